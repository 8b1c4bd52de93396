// The "send code" button: posts the typed number to the JSON API and stays on the page.
// Without this script the button submits the form, and the server sends the code.
(function () {
  "use strict";
  document.querySelectorAll("button[data-phone-code]").forEach(function (button) {
    var form = button.form;
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    button.addEventListener("click", function (event) {
      var phone = form.elements.phone;
      if (!window.fetch || !phone) {
        return; // the form is submitted: the server sends the code
      }
      event.preventDefault();
      button.disabled = true;
      fetch(button.dataset.phoneCode, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ phone: phone.value, purpose: button.dataset.purpose }),
      })
        .then(function (response) {
          return response.json().then(function (body) {
            return { ok: response.ok, body: body };
          });
        })
        .then(function (answer) {
          var errors = answer.body.errors || {};
          status.textContent = answer.ok
            ? button.dataset.sent.replace("PHONE", answer.body.phone)
            : (errors.phone || [answer.body.message])[0];
          status.className = answer.ok ? "message" : "message message-error";
        })
        .then(function () {
          // A pause before another code may be asked for.
          window.setTimeout(function () { button.disabled = false; }, 30000);
        })
        .catch(function () {
          button.disabled = false;
          form.requestSubmit(button); // the network failed: let the server send it
        });
    });
  });
})();
