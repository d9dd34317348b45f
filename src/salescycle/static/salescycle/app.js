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
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
