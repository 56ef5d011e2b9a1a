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
    document.querySelectorAll("[data-opens]").forEach((button) => {
      const dialog = document.getElementById(button.dataset.opens);
      button.addEventListener("click", () => dialog.showModal());
    });
    document.querySelectorAll("[data-closes]").forEach((button) => {
      const dialog = document.getElementById(button.dataset.closes);
      button.addEventListener("click", () => dialog.close());
    });
    document.querySelectorAll("dialog[data-open-on-load]").forEach((dialog) => {
      dialog.close();
      dialog.showModal();
    });
  });

  document.addEventListener("htmx:afterSwap", (evt) => {
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
