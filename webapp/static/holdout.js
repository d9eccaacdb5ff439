// Shows every <time datetime="..."> in the viewer's own time zone.
// Kept in a file because the Content-Security-Policy forbids inline script.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // dateStyle/timeStyle cannot be combined with timeZoneName, so name the fields.
  const fmt = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  for (const el of document.querySelectorAll("time[datetime]")) {
    const when = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) {
      el.title = el.textContent;
      el.textContent = fmt.format(when);
    }
  }
  for (const button of document.querySelectorAll("[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
});

// Copy buttons for secrets shown once (new API tokens, password reset links). Without script, or
// without the Clipboard API (it needs HTTPS or localhost), the text simply stays there to select.
document.addEventListener("DOMContentLoaded", () => {
  if (!navigator.clipboard || !window.isSecureContext) return;
  for (const el of document.querySelectorAll("[data-copy]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy to the clipboard");
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(el.textContent.trim());
        button.textContent = "Copied";
      } catch {
        button.textContent = "Copy failed: select the text and copy it";
      }
    });
    el.insertAdjacentElement("afterend", button);
  }
});
