// Reload the page while something on it is still in progress (an element with data-refresh-seconds).
(function () {
  "use strict";
  const pending = document.querySelector("[data-refresh-seconds]");
  if (!pending) return;
  const seconds = Math.max(1, Number(pending.dataset.refreshSeconds) || 2);
  setTimeout(() => window.location.reload(), seconds * 1000);
})();
