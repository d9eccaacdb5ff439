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
