// Annual reports page: every report being built asks the API for its state every 2 seconds and
// updates its card; when one is done or failed the page reloads to show the download link or
// the reason and the Retry button (rendered by the server, as without this script).
(function () {
  "use strict";
  var INTERVAL = 2000;

  function watch(card) {
    var url = card.getAttribute("data-status-url");
    var status = card.querySelector("[data-role=status]");
    var bar = card.querySelector("[data-role=progress]");
    var text = card.querySelector("[data-role=progress-text]");
    var timer = window.setInterval(poll, INTERVAL);

    function show(report) {
      if (status && report.status_display) { status.textContent = report.status_display; }
      if (bar) { bar.value = report.progress; bar.textContent = report.progress + "%"; }
      if (text) { text.textContent = report.progress + "%"; }
      if (report.status === "done" || report.status === "failed") {
        window.clearInterval(timer);
        window.location.reload();
      }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(show)
        .catch(function () { window.clearInterval(timer); });  // logged out, or gone: stop
    }
  }

  document.querySelectorAll("[data-status-url]").forEach(watch);
})();
