// Admin: a live preview under every textarea that names a preview URL (data-preview-url).
// The server renders and sanitises the Markdown (training/markdown.py), exactly as reps see it.
(function () {
  "use strict";

  function csrfToken(form) {
    const input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function attach(textarea) {
    const preview = document.createElement("div");
    preview.className = "markdown-preview";
    preview.setAttribute("aria-live", "polite");
    preview.dataset.for = textarea.id;
    const label = document.createElement("p");
    label.className = "markdown-preview-label";
    label.textContent = "Preview (as reps will see it)";
    const body = document.createElement("div");
    body.className = "markdown-preview-body";
    preview.append(label, body);
    textarea.insertAdjacentElement("afterend", preview);

    let timer = null;
    let sent = 0;
    function refresh() {
      const mine = ++sent;
      const data = new FormData();
      data.append("body", textarea.value);
      fetch(textarea.dataset.previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(textarea.form) },
      })
        .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
        .then((html) => {
          // Only the answer to the latest keystroke is shown.
          if (mine === sent) body.innerHTML = html;
        })
        .catch(() => {
          if (mine === sent) body.textContent = "The preview is not available right now.";
        });
    }
    textarea.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("textarea[data-preview-url]").forEach(attach);
  });
})();
