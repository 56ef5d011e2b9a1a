// Collateral pages: copy the permalink. Loaded as a file with the page's nonce (no inline handlers).
document.addEventListener("click", async (event) => {
  const button = event.target.closest(".copy-permalink");
  if (!button) return;
  const input = document.getElementById(button.dataset.copyTarget);
  const status = button.closest("section").querySelector(".copy-status");
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = "Permalink copied.";
  } catch {
    // No clipboard permission (plain HTTP, old browser): select it so Ctrl+C works.
    input.select();
    status.textContent = "Press Ctrl+C to copy the selected permalink.";
  }
});

// The library's filters are a disclosure: open on a wide screen, closed on a phone (results first).
function openFiltersWhenWide() {
  const wide = window.matchMedia("(min-width: 769px)").matches;
  document.querySelectorAll("details[data-open-when-wide]").forEach((details) => {
    details.open = wide;
  });
}
document.addEventListener("DOMContentLoaded", openFiltersWhenWide);
document.addEventListener("htmx:afterSwap", openFiltersWhenWide);
