// The rating pad: while waiting, reload every 5 s to show a case just finished; the rating form
// stays at most a minute; after a rating, back to waiting.
(function () {
  "use strict";
  var box = document.querySelector("[data-pad]");
  if (!box) { return; }
  var seconds = parseInt(box.getAttribute("data-reload"), 10) || 5;
  window.setTimeout(function () { window.location.href = window.location.pathname; }, seconds * 1000);
})();
