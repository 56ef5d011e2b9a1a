// The lead page's htmx actions. Loaded as a file with the page's nonce: no inline handlers.
document.addEventListener("htmx:beforeSwap", (event) => {
  // A refused action (409) or an invalid form (422) comes back as the panel saying why: show it.
  const status = event.detail.xhr.status;
  if (status === 409 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

document.addEventListener("htmx:afterSwap", () => {
  // Keyboard and screen-reader users land on the outcome, or on the first field with an error.
  const target = document.querySelector("#lead-panel [data-focus-after-swap], #lead-panel [aria-invalid='true']");
  if (target) {
    target.focus();
  }
});
