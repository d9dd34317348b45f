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
    root.querySelectorAll("input.js-date").forEach(initDate);
    root.querySelectorAll("button.js-keep").forEach(function (el) { el.hidden = false; });
    root.querySelectorAll("button.js-print").forEach(function (button) {
      if (button.dataset.print) { return; }
      button.dataset.print = "1";
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }
  // Date inputs (issue #15): text in the interface language's format (data-date-format, Django's letters d j m n Y y),
  // with a calendar button that opens the browser's own picker on a hidden native date input and writes the chosen
  // date back in that format. Without the script (or showPicker) the text input alone works.
  function formatDate(iso, format) {
    var parts = iso.split("-");
    var y = parts[0], m = parts[1], d = parts[2];
    var out = "";
    for (var i = 0; i < format.length; i++) {
      var c = format.charAt(i);
      out += c === "d" ? d : c === "j" ? String(parseInt(d, 10)) : c === "m" ? m : c === "n" ? String(parseInt(m, 10))
        : c === "Y" ? y : c === "y" ? y.slice(-2) : c;
    }
    return out;
  }
  function parseDate(text, format) {
    var iso = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text);
    if (iso) { return iso[1] + "-" + iso[2] + "-" + iso[3]; }
    var order = [], pattern = "";
    for (var i = 0; i < format.length; i++) {
      var c = format.charAt(i);
      if ("djmn".indexOf(c) >= 0) { order.push(c === "d" || c === "j" ? "d" : "m"); pattern += "(\\d{1,2})"; }
      else if (c === "Y") { order.push("Y"); pattern += "(\\d{4})"; }
      else { pattern += c.replace(/[.*+?^${}()|[\]\\\/-]/g, "\\$&"); }
    }
    var match = new RegExp("^\\s*" + pattern + "\\s*$").exec(text);
    if (!match) { return ""; }
    var v = {};
    order.forEach(function (key, index) { v[key] = match[index + 1]; });
    if (!v.Y || !v.m || !v.d) { return ""; }
    return v.Y + "-" + ("0" + v.m).slice(-2) + "-" + ("0" + v.d).slice(-2);
  }
  function initDate(input) {
    if (input.dataset.datePicker || !input.dataset.dateFormat) { return; }
    input.dataset.datePicker = "1";
    var picker = document.createElement("input");
    picker.type = "date";
    if (typeof picker.showPicker !== "function") { return; }
    picker.className = "date-picker";
    picker.tabIndex = -1;
    picker.setAttribute("aria-hidden", "true");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary date-button";
    button.setAttribute("aria-label", input.dataset.pickerLabel || "Calendar");
    button.title = input.dataset.pickerLabel || "";
    button.textContent = "\u25A6";
    button.disabled = input.disabled;
    var wrap = document.createElement("span");
    wrap.className = "date-field";
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    wrap.appendChild(button);
    wrap.appendChild(picker);
    button.addEventListener("click", function () {
      picker.value = parseDate(input.value, input.dataset.dateFormat);
      try { picker.showPicker(); } catch (e) { input.focus(); }
    });
    picker.addEventListener("change", function () {
      if (!picker.value) { return; }
      input.value = formatDate(picker.value, input.dataset.dateFormat);
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    });
  }
  // A GET form (filters) sends its dates as ISO: the address (and a saved view) then means the same date in every
  // language; the page shows them in the language's format again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || (form.getAttribute("method") || "get").toLowerCase() !== "get") { return; }
    form.querySelectorAll("input.js-date").forEach(function (input) {
      var iso = parseDate(input.value, input.dataset.dateFormat || "");
      if (iso) { input.value = iso; }
    });
  }, true);  // capture: before htmx reads a form it submits itself
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
