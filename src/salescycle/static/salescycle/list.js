/* The Opportunity List (issue #15): on a narrow screen the filter panel starts collapsed, so the first rows are in
   view; the user opens it with its summary. No inline script (the Content Security Policy allows 'self' only). */
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(max-width: 40rem)").matches) { return; }
  document.querySelectorAll("details.js-collapse-narrow").forEach(function (panel) { panel.open = false; });
})();
