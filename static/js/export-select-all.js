// The admin's export page (templates/admin/import_export/export.html): django-import-export's
// "Select all" box calls onSelectToggleChange (its export_selectable_fields.js, loaded before
// this file) from an onchange attribute, which the Content-Security-Policy never runs (Chromium
// reports it once, as the page is read). Bind the same function as a listener instead.
(function () {
  "use strict";
  function bind() {
    if (typeof window.onSelectToggleChange !== "function") {
      return;
    }
    document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
      toggle.addEventListener("change", window.onSelectToggleChange);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
