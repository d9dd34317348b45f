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
    root.querySelectorAll("button.js-print").forEach(function (button) {
      if (button.dataset.print) { return; }
      button.dataset.print = "1";
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
