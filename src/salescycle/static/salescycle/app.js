/* Salescycle: small progressive enhancements (no inline scripts, so a strict Content Security Policy works). */
(function () {
  "use strict";
  function init(root) {
    root.querySelectorAll("form.js-autosubmit select").forEach(function (select) {
      if (select.dataset.autosubmit) { return; }
      select.dataset.autosubmit = "1";
      select.addEventListener("change", function () { select.form.submit(); });
    });
    root.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    root.querySelectorAll("button.js-keep").forEach(function (el) { el.hidden = false; });
    root.querySelectorAll("button.js-print").forEach(function (button) {
      if (button.dataset.print) { return; }
      button.dataset.print = "1";
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }
  // "Keep current" beside a proposed value (Update wizard, board dialog): put the current value back in the input.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.js-keep");
    if (!button) { return; }
    var input = document.getElementById(button.dataset.target);
    if (!input) { return; }
    input.value = button.dataset.value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });
  // The header's Menu button on phones (issue #15, M7): shown once this script runs (without it the menu stays open),
  // it toggles aria-expanded, which the stylesheet reads; Escape closes the menu and gives the focus back.
  function initMenu() {
    var toggle = document.querySelector("button.menu-toggle");
    if (!toggle) { return; }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      toggle.setAttribute("aria-expanded", toggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || toggle.getAttribute("aria-expanded") !== "true") { return; }
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    });
  }
  // "Add line" under a setup formset (issue #15, L5): copy the blank row of its <template> into the table with the
  // next index and count it in TOTAL_FORMS. Without this script the button posts and the page returns one row longer.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.js-add-line");
    if (!button) { return; }
    var template = document.getElementById(button.dataset.template);
    var total = button.form && button.form.querySelector("input[name='" + button.dataset.prefix + "-TOTAL_FORMS']");
    var body = button.form && button.form.querySelector("table.formset tbody");
    if (!template || !total || !body) { return; }
    event.preventDefault();
    var index = parseInt(total.value, 10) || 0;
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.querySelector("tr");
    body.appendChild(row);
    total.value = String(index + 1);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  });
  document.addEventListener("DOMContentLoaded", function () { initMenu(); init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
