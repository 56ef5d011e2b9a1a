// The deal board (drag a card to the next column: htmx posts the move and swaps in the board the
// server answers, so a refused move puts the card back) and the deal page's lost-reason dialog.
(() => {
  "use strict";

  function initBoard(board) {
    if (typeof Sortable === "undefined") return;
    board.querySelectorAll("ol.cards").forEach((list) => {
      Sortable.create(list, {
        group: "deals",
        sort: false,
        // Mouse and touch events rather than native drag and drop: the same behaviour everywhere.
        forceFallback: true,
        draggable: ".deal-card",
        // Buttons and links on a card keep working; dragging starts anywhere else on it.
        filter: "button, a, input",
        preventOnFilter: false,
        onEnd: (evt) => {
          if (evt.from === evt.to) return;
          const form = evt.item.querySelector("form.move-form");
          form.querySelector("input[name=to_stage]").value = evt.to.dataset.stage;
          evt.item.classList.add("moving");
          htmx.trigger(form, "deal-dropped");
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const board = document.getElementById("board");
    if (board) initBoard(board);
    document.querySelectorAll("dialog[data-open-on-load]").forEach((dialog) => {
      dialog.close();
      dialog.showModal();
    });
  });

  // Delegated, so the dialogs of a part htmx swapped in (the deal page's gate) open and close too.
  document.addEventListener("click", (evt) => {
    const opener = evt.target.closest("[data-opens]");
    if (opener) document.getElementById(opener.dataset.opens).showModal();
    const closer = evt.target.closest("[data-closes]");
    if (closer) document.getElementById(closer.dataset.closes).close();
  });

  document.addEventListener("htmx:afterSwap", (evt) => {
    const refusal = document.querySelector("#deal-gate #refusal");
    if (refusal && evt.detail.target.id === "deal-gate") {
      refusal.setAttribute("tabindex", "-1");
      refusal.focus();
    }
    if (evt.detail.target.id === "board" || evt.detail.elt.id === "board") {
      const board = document.getElementById("board");
      if (board) {
        initBoard(board);
        const alert = board.querySelector(".board-error, .board-success");
        if (alert) {
          alert.setAttribute("tabindex", "-1");
          alert.focus();
        }
      }
    }
  });
})();
