// Training pages: a timestamp in a call review seeks the recording on the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.timestamp[data-seconds]");
  const player = document.getElementById("recording");
  if (!link || !player) return;
  event.preventDefault();
  player.currentTime = Number(link.dataset.seconds);
  player.play().catch(() => {});
  player.focus();
});
