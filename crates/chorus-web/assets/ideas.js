// Dragging an idea to another pillar's column submits the same form its "Move" button does, so the server
// decides exactly as it does without JavaScript.
(() => {
  const board = document.querySelector(".board");
  if (!board) return;
  let dragged = null;
  board.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".board-card");
    if (!card || card.getAttribute("draggable") !== "true") return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.post);
  });
  for (const column of board.querySelectorAll(".board-column")) {
    column.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      column.classList.add("drop-target");
    });
    column.addEventListener("dragleave", () => column.classList.remove("drop-target"));
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      column.classList.remove("drop-target");
      if (!dragged || dragged.closest(".board-column") === column) return;
      const form = dragged.querySelector("form.move");
      form.querySelector("select[name=pillar_id]").value = column.dataset.pillar || "";
      form.submit();
    });
  }
})();
