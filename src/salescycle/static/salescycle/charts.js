/* Salescycle charts: draws every <canvas data-chart="ID"> from the JSON block with id ID (Django's json_script:
   <script type="application/json">, data only, never executed; so the Content Security Policy stays script-src 'self').
   The block: {labels: [...], datasets: [{label, data: [...], links: [...]}], horizontal, stacked, money}.
   A click on a bar opens the bar's link (its drill-down list). The canvas is not keyboard operable: the table beside
   each chart carries the same figures and links for keyboard and screen-reader users. Uses Chart.js 4 (vendor/). */
(function () {
  "use strict";
  var COLORS = ["#0b5cad", "#14662e", "#a1101a", "#b8860b", "#6a3d9a", "#525c6b"];

  function formatter(locale, money) {
    var format = new Intl.NumberFormat(locale, money ? {minimumFractionDigits: 2, maximumFractionDigits: 2}
                                                     : {maximumFractionDigits: 0});
    return function (value) { return format.format(value); };
  }

  function draw(canvas) {
    var block = document.getElementById(canvas.dataset.chart);
    if (!block || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(block.textContent);
    var locale = document.documentElement.lang || undefined;
    var format = formatter(locale, spec.money);
    var datasets = spec.datasets.map(function (set, i) {
      return {
        label: set.label,
        data: set.data.map(Number),
        links: set.links,
        backgroundColor: COLORS[i % COLORS.length],
        borderColor: COLORS[i % COLORS.length]
      };
    });
    var valueAxis = {beginAtZero: true, stacked: spec.stacked, ticks: {callback: function (v) { return format(v); }}};
    var categoryAxis = {stacked: spec.stacked};
    var chart = new Chart(canvas, {
      type: "bar",
      data: {labels: spec.labels, datasets: datasets},
      options: {
        locale: locale,
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: spec.horizontal ? {x: valueAxis, y: categoryAxis} : {x: categoryAxis, y: valueAxis},
        plugins: {
          tooltip: {callbacks: {label: function (item) { return item.dataset.label + ": " + format(item.raw); }}}
        },
        onHover: function (event, elements) {
          canvas.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (!elements.length) { return; }
          var hit = elements[0];
          var link = chart.data.datasets[hit.datasetIndex].links[hit.index];
          if (link) { window.location.assign(link); }
        }
      }
    });
    canvas.dataset.drawn = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
