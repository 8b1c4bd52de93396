// The dashboard's breakdowns as tabs: one section shown at a time, chosen from the contents or
// the breakdown links. The links stay plain anchors: without this script every section shows
// and the links jump to it; printing shows them all.
(function () {
  "use strict";
  var box = document.querySelector("[data-stats-tabs]");
  if (!box) { return; }
  var sections = Array.prototype.slice.call(box.querySelectorAll(".stats-section"));
  if (sections.length < 2) { return; }
  var ids = sections.map(function (section) { return section.id; });
  var links = Array.prototype.slice.call(document.querySelectorAll("a[href^='#']"))
    .filter(function (link) { return ids.indexOf(link.getAttribute("href").slice(1)) !== -1; });

  function show(id) {
    sections.forEach(function (section) { section.hidden = section.id !== id; });
    links.forEach(function (link) {
      if (link.getAttribute("href") === "#" + id) {
        link.setAttribute("aria-current", "true");
      } else {
        link.removeAttribute("aria-current");
      }
    });
  }

  links.forEach(function (link) {
    // Shown before the browser follows the anchor, so that it scrolls to a visible section.
    link.addEventListener("click", function () { show(link.getAttribute("href").slice(1)); });
  });
  window.addEventListener("hashchange", function () {
    var id = window.location.hash.slice(1);
    if (ids.indexOf(id) !== -1) { show(id); }
  });
  box.classList.add("is-tabbed");
  var asked = window.location.hash.slice(1);
  show(ids.indexOf(asked) !== -1 ? asked : ids[0]);
}());
