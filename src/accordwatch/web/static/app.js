// AccordWatch: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Review queue: a "select all" checkbox (hidden unless this script runs).
  function setUpSelectAll() {
    var all = document.getElementById("select-all");
    if (!all) return;
    var picks = Array.prototype.slice.call(document.querySelectorAll("input.pick"));
    if (!picks.length) return;
    all.hidden = false;
    all.addEventListener("change", function () {
      picks.forEach(function (p) { p.checked = all.checked; });
    });
    picks.forEach(function (p) {
      p.addEventListener("change", function () {
        var n = picks.filter(function (q) { return q.checked; }).length;
        all.checked = n === picks.length;
        all.indeterminate = n > 0 && n < picks.length;
      });
    });
  }

  // Dashboard map: selecting a district highlights all its provisions in the
  // table and scrolls to the first one (the link alone already jumps there).
  function setUpMap() {
    var links = document.querySelectorAll("svg.map a.district-link");
    if (!links.length) return;
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (ev) {
        var ids = (link.getAttribute("data-provisions") || "").split(" ").filter(Boolean);
        var rows = document.querySelectorAll("tr.prov-row");
        var first = null;
        Array.prototype.forEach.call(rows, function (row) {
          var on = ids.indexOf(row.getAttribute("data-provision")) >= 0;
          row.classList.toggle("highlight", on);
          if (on && !first) first = row;
        });
        Array.prototype.forEach.call(document.querySelectorAll("svg.map path.selected"), function (p) {
          p.classList.remove("selected");
        });
        var path = link.querySelector("path");
        if (path) path.classList.add("selected");
        if (first) {
          ev.preventDefault();
          first.scrollIntoView({ behavior: "smooth", block: "center" });
          if (history.replaceState) history.replaceState(null, "", "#" + first.id);
        }
      });
    });
  }

  function start() {
    setUpSelectAll();
    setUpMap();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
