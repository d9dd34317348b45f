/* Pipeline board: drag a card to another column; the server picks Next/Previous/Skip/Jump and answers with the
   re-rendered board (including the engine's refusal). HTML5 drag events + htmx.ajax, CSRF token from the meta tag. */
(function () {
  "use strict";
  var dragged = null;
  function board() { return document.getElementById("board"); }
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.no);
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    document.querySelectorAll(".column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    column.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
  });
  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    var root = board();
    if (!column || !dragged || !root) { return; }
    event.preventDefault();
    column.classList.remove("drop-target");
    var no = dragged.dataset.no;
    var stage = column.dataset.stage;
    if (stage === dragged.dataset.stage) { return; }
    var token = document.querySelector("meta[name=csrf-token]").content;
    htmx.ajax("POST", root.dataset.moveUrl, {
      target: "#board",
      swap: "outerHTML",
      values: { no: no, stage: stage, cycle: root.dataset.cycle, salesperson: root.dataset.salesperson },
      headers: { "X-CSRFToken": token }
    });
  });
})();
