// Reload the page every data-refresh seconds (the ticket's status page).
(function () {
  "use strict";
  var box = document.querySelector("[data-refresh]");
  if (!box) { return; }
  var seconds = parseInt(box.getAttribute("data-refresh"), 10) || 15;
  window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
})();
