/* The Opportunity List's bulk-action bar (issue #15): hidden while no row is selected, "N selected" announced, and a
   select-all checkbox in the header for the rows shown (also those "More" appended). Without this script the bar is
   always shown and works as a plain form. */
(function () {
  "use strict";
  function rows() {
    return document.querySelectorAll("input[type=checkbox][name=no][form=bulk-form]");
  }
  function update() {
    var bar = document.getElementById("bulk-form");
    if (!bar) { return; }
    var boxes = rows();
    var selected = 0;
    boxes.forEach(function (box) { if (box.checked) { selected += 1; } });
    bar.hidden = selected === 0;
    var count = document.getElementById("bulk-count");
    if (count && count.dataset.template) {
      count.textContent = count.dataset.template.replace("{n}", String(selected));
    }
    var all = document.getElementById("select-all");
    if (all) {
      all.hidden = boxes.length === 0;
      all.checked = selected > 0 && selected === boxes.length;
      all.indeterminate = selected > 0 && selected < boxes.length;
    }
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.id === "select-all") {
      rows().forEach(function (box) { box.checked = target.checked; });
      update();
    } else if (target.name === "no" && target.getAttribute("form") === "bulk-form") {
      update();
    }
  });
  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:load", update);
  // Back from the result page: the browser may restore the checked boxes.
  window.addEventListener("pageshow", update);
})();
