// Check-in by camera: where the browser has the BarcodeDetector API (Chrome on Android, for
// example), read the QR code of a booking confirmation and submit its reference. Without it,
// nothing changes: staff type the reference or use a handheld scanner, which types it.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  document.querySelectorAll("[data-scan-form]").forEach(function (form) {
    var input = form.querySelector("input[name=reference]");
    var start = form.querySelector("[data-scan-start]");
    var stop = form.querySelector("[data-scan-stop]");
    var video = form.querySelector("[data-scan-video]");
    var status = form.querySelector("[data-scan-status]");
    var stream = null;
    var timer = null;
    var detector;
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (e) {
      return;
    }
    start.hidden = false;

    function finish() {
      if (timer) { window.clearInterval(timer); timer = null; }
      if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
      video.hidden = true;
      stop.hidden = true;
      start.hidden = false;
    }

    function look() {
      detector.detect(video).then(function (codes) {
        if (!codes.length) { return; }
        input.value = codes[0].rawValue.trim();
        status.textContent = input.value;
        finish();
        form.submit();
      }).catch(function () { /* a frame that cannot be read yet */ });
    }

    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          video.hidden = false;
          stop.hidden = false;
          start.hidden = true;
          status.textContent = form.dataset.scanning || "";
          return video.play();
        })
        .then(function () { timer = window.setInterval(look, 300); })
        .catch(function () {
          finish();
          status.textContent = form.dataset.noCamera || "";
        });
    });
    stop.addEventListener("click", finish);
  });
})();
