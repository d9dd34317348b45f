/* Salescycle charts: draws every <canvas data-chart="ID"> from the JSON block with id ID (Django's json_script:
   <script type="application/json">, data only, never executed; so the Content Security Policy stays script-src 'self').
   The block: {labels: [...], datasets: [{label, data: [...], links: [...], kinds?}], horizontal, stacked, money,
   percent?, waterfall?}. A value is a number (or a decimal string), null for no bar; in a waterfall each bar is a
   floating bar [from, to] (Chart.js draws such pairs as they are, no plugin) and `kinds` gives each bar's role:
   "total" (from 0), "increase", "decrease" or "other" (the balancing bar), which sets its colour and tooltip. A
   dataset's `kinds` may also be one word for all its bars ("weighted", "won"). `percent`: the values are percentages.
   A click on a bar opens the bar's link (its drill-down list; "" for none). The canvas is not keyboard operable: the
   table beside each chart carries the same figures and links for keyboard and screen-reader users. Chart.js 4. */
(function () {
  "use strict";
  /* The palette of app.css (--accent, --ok, --danger, --muted) and two more; against the white chart box each has
     at least the 3:1 that WCAG 1.4.11 asks of graphics (the amber 3.2:1, the others 6.6:1 or more). */
  var COLORS = ["#0b5cad", "#14662e", "#a1101a", "#b8860b", "#6a3d9a", "#525c6b"];
  var KIND_COLORS = {
    total: "#0b5cad", increase: "#14662e", decrease: "#a1101a", other: "#525c6b", weighted: "#b8860b", won: "#14662e"
  };

  function formatter(locale, spec) {
    if (spec.percent) {
      var pct = new Intl.NumberFormat(locale, {style: "percent", maximumFractionDigits: 2});
      return function (value) { return pct.format(value / 100); };
    }
    var format = new Intl.NumberFormat(locale, spec.money ? {minimumFractionDigits: 2, maximumFractionDigits: 2}
                                                          : {maximumFractionDigits: 0});
    return function (value) { return format.format(value); };
  }

  function number(value) {
    if (value === null || value === undefined) { return null; }
    return Array.isArray(value) ? value.map(Number) : Number(value);
  }

  function colours(set, i) {
    if (Array.isArray(set.kinds)) {
      return set.kinds.map(function (kind) { return KIND_COLORS[kind] || COLORS[i % COLORS.length]; });
    }
    return KIND_COLORS[set.kinds] || COLORS[i % COLORS.length];
  }

  /* A waterfall bar's tooltip: a total its level, a step its signed change. */
  function waterfallText(format, kind, pair) {
    if (kind === "total") { return format(pair[1]); }
    var change = pair[1] - pair[0];
    return (change < 0 ? "\u2212" : "+") + format(Math.abs(change));
  }

  function draw(canvas) {
    var block = document.getElementById(canvas.dataset.chart);
    if (!block || typeof Chart === "undefined") { return; }
    var spec = JSON.parse(block.textContent);
    var locale = document.documentElement.lang || undefined;
    var format = formatter(locale, spec);
    var datasets = spec.datasets.map(function (set, i) {
      var colour = colours(set, i);
      return {
        label: set.label,
        data: set.data.map(number),
        links: set.links,
        kinds: set.kinds,
        backgroundColor: colour,
        borderColor: colour
      };
    });
    var valueAxis = {beginAtZero: true, stacked: spec.stacked, ticks: {callback: function (v) { return format(v); }}};
    if (spec.percent) { valueAxis.suggestedMax = 100; }
    if (!spec.money && !spec.percent) { valueAxis.ticks.precision = 0; }  /* counts: whole ticks only */
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
          /* A waterfall is one series: its name as the title instead of a legend (its colours are the bars' roles). */
          legend: {display: !spec.waterfall},
          title: {display: !!spec.waterfall, text: spec.waterfall ? datasets[0].label : ""},
          tooltip: {callbacks: {label: function (item) {
            if (spec.waterfall) {
              return item.dataset.label + ": " + waterfallText(format, item.dataset.kinds[item.dataIndex], item.raw);
            }
            return item.dataset.label + ": " + format(item.raw);
          }}}
        },
        onHover: function (event, elements) {
          var hit = elements[0];
          canvas.style.cursor = hit && chart.data.datasets[hit.datasetIndex].links[hit.index] ? "pointer" : "default";
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
