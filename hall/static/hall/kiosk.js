// The printed ticket at the kiosk: print at once, then back to the start after 30 s.
(function () {
  "use strict";
  var printButton = document.querySelector("[data-print]");
  if (printButton) {
    printButton.addEventListener("click", function () { window.print(); });
  }
  var back = document.querySelector("[data-back]");
  if (back) {
    window.setTimeout(function () { window.location.href = back.href; }, 30000);
  }
})();
