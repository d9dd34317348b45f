/* Pipeline board: dragging a card to another column, or to Won/Lost, opens a dialog (filled by htmx from the server)
   that shows the current and the new values; nothing changes until the user confirms (Enter) — Esc or Cancel closes
   it and the card stays where it was. The card's Move menu opens the same dialogs without dragging (WCAG 2.5.7).
   No inline script (CSP); the CSRF token travels in the body's hx-headers. */
(function () {
  "use strict";
  var dragged = null;
  var opener = null;
  function board() { return document.getElementById("board"); }
  function dialog() { return document.getElementById("board-dialog"); }
  function body() { return document.getElementById("board-dialog-body"); }
  function clearTargets() {
    document.querySelectorAll(".drop-target, .drop-allowed").forEach(function (el) {
      el.classList.remove("drop-target", "drop-allowed");
    });
  }
  function openDialog(url, params) {
    var root = board();
    if (!root || !body()) { return; }
    params.cycle = root.dataset.cycle;
    params.salesperson = root.dataset.salesperson;
    htmx.ajax("GET", url, { target: "#board-dialog-body", swap: "innerHTML", values: params });
  }
  function closeDialog() {
    var d = dialog();
    if (d && d.open) { d.close(); }
  }
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card");
    if (!card) { return; }
    dragged = card;
    opener = card.querySelector("summary");
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.no);
    (card.dataset.targets || "").split(" ").forEach(function (stage) {
      var column = stage && document.querySelector(".column[data-stage='" + stage + "']");
      if (column) { column.classList.add("drop-allowed"); }
    });
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    clearTargets();
  });
  function dropTarget(event) {
    return event.target.closest && event.target.closest(".column, .drop-zone");
  }
  document.addEventListener("dragover", function (event) {
    var target = dropTarget(event);
    if (!target || !dragged) { return; }
    event.preventDefault();
    target.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (event) {
    var target = dropTarget(event);
    if (target && !target.contains(event.relatedTarget)) { target.classList.remove("drop-target"); }
  });
  document.addEventListener("drop", function (event) {
    var target = dropTarget(event);
    var root = board();
    if (!target || !dragged || !root) { return; }
    event.preventDefault();
    clearTargets();
    var no = dragged.dataset.no;
    if (target.dataset.outcome) {
      openDialog(root.dataset.closeUrl, { no: no, outcome: target.dataset.outcome });
    } else if (target.dataset.stage !== dragged.dataset.stage) {
      openDialog(root.dataset.moveUrl, { no: no, stage: target.dataset.stage });
    }
  });
  // A Move menu choice: remember where focus goes back to.
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest(".move-option");
    if (option) {
      var menu = option.closest("details");
      opener = menu ? menu.querySelector("summary") : option;
      if (menu) { menu.open = false; }
    }
    if (event.target.closest && event.target.closest(".js-dialog-close")) { closeDialog(); }
  });
  // The dialog's content arrived and htmx has taken over its form (new content is processed when it settles, not
  // when it is swapped in: an Enter before that would submit the form natively): show it (modal: Esc closes it;
  // the autofocus button takes Enter).
  document.addEventListener("htmx:afterSettle", function (event) {
    var d = dialog();
    if (!d || event.detail.target !== body()) { return; }
    if (!d.open) { d.showModal(); }
    var focus = body().querySelector("[aria-invalid=true], [autofocus]");
    if (focus) { focus.focus(); }
  });
  // Moved or closed: the server swapped the board and says so.
  document.body.addEventListener("board-done", function () {
    opener = null;
    closeDialog();
  });
  document.addEventListener("close", function (event) {
    if (event.target !== dialog()) { return; }
    body().innerHTML = "";
    if (opener && document.contains(opener)) { opener.focus(); }
    opener = null;
  }, true);
})();
