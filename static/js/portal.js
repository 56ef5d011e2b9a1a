// Behaviour shared by every page. Loaded as a file with the page's nonce: no inline handlers.
document.addEventListener("DOMContentLoaded", () => {
  // Move focus to the first message so screen readers announce the outcome of a form.
  const firstMessage = document.querySelector(".messages .message");
  if (firstMessage) {
    firstMessage.setAttribute("tabindex", "-1");
    firstMessage.focus();
  }
});
