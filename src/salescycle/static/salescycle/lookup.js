/* Salescycle: type-ahead lookups of reference fields (issue #15), the WAI-ARIA combobox pattern (list autocomplete).
   Every input.js-lookup (core/widgets.py LookupInput) keeps posting the key itself; typing asks its
   data-lookup-url (?q=…) for up to ten records by key or name and shows them in its listbox. ArrowDown/ArrowUp move
   through them (aria-activedescendant), Enter or a click takes one (its key in the input, its name beside it),
   Escape closes the list. No inline script and no innerHTML: the page's CSP stays strict and names stay text. */
(function () {
  "use strict";
  var DELAY = 150;

  function setUp(input) {
    if (input.dataset.lookupReady) { return; }
    input.dataset.lookupReady = "1";
    var list = document.getElementById(input.id + "-list");
    var nameBox = document.getElementById(input.id + "-name");
    if (!list || !nameBox) { return; }
    var rows = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]:not([aria-disabled])");
      active = index;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function showName() {
      var key = input.value.trim().toUpperCase();
      var match = rows.filter(function (row) { return row.key.toUpperCase() === key; })[0];
      nameBox.textContent = match ? match.name : "";
    }

    function render() {
      list.replaceChildren();
      if (!rows.length) {
        var empty = document.createElement("li");
        empty.className = "lookup-empty";
        empty.setAttribute("role", "option");
        empty.setAttribute("aria-disabled", "true");
        empty.setAttribute("aria-selected", "false");
        empty.textContent = input.dataset.lookupEmpty || "";
        list.appendChild(empty);
      }
      rows.forEach(function (row, i) {
        var option = document.createElement("li");
        option.id = input.id + "-option-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        var key = document.createElement("span");
        key.className = "lookup-key";
        key.textContent = row.key;
        var name = document.createElement("span");
        name.className = "lookup-row-name";
        name.textContent = row.name;
        option.append(key, " ", name);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(i); });
        list.appendChild(option);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    }

    function ask(open) {
      var ticket = ++asked;
      var url = input.dataset.lookupUrl + "?q=" + encodeURIComponent(input.value);
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { items: [] }; })
        .then(function (data) {
          if (ticket !== asked) { return; }
          rows = data.items || [];
          showName();
          if (open && document.activeElement === input) { render(); }
        })
        .catch(function () { /* offline: the input stays a plain text box */ });
    }

    function choose(index) {
      var row = rows[index];
      if (!row) { return; }
      input.value = row.key;
      nameBox.textContent = row.name;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    input.addEventListener("input", function () {
      nameBox.textContent = "";
      clearTimeout(timer);
      timer = setTimeout(function () { ask(true); }, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var count = rows.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) {
          ask(true).then(function () {
            if (rows.length) { highlight(event.key === "ArrowDown" ? 0 : rows.length - 1); }
          });
          return;
        }
        if (!count) { return; }
        var step = event.key === "ArrowDown" ? 1 : -1;
        highlight(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
      } else if (event.key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
    if (input.value.trim()) { ask(false); }
  }

  function init(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("input.js-lookup").forEach(setUp);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
