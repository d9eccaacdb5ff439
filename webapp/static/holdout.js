// Times: the server writes every <time datetime="..."> in UTC so pages read right without script;
// here each is shown in the viewer's own time zone with the UTC text kept as its tooltip, <time data-relative>
// also says how long ago or how soon ("3 h ago"), and <time data-countdown> counts down live to a deadline.
// Kept in a file because the Content-Security-Policy forbids inline script.
"use strict";
(() => {
  // dateStyle/timeStyle cannot be combined with timeZoneName, so name the fields.
  const fmt = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  // numeric "always": "1 month ago" rather than "last mo", which reads like a typo.
  const rtf = new Intl.RelativeTimeFormat(undefined, {numeric: "always", style: "long"});
  const STEPS = [["year", 365 * 86400], ["month", 30 * 86400], ["week", 7 * 86400], ["day", 86400],
    ["hour", 3600], ["minute", 60]];

  function relative(when, now) {
    const seconds = (when - now) / 1000;
    for (const [unit, size] of STEPS) {
      if (Math.abs(seconds) >= size) return rtf.format(Math.trunc(seconds / size), unit);
    }
    return seconds < 0 ? "just now" : "in under a minute";
  }

  function left(when, now) {
    let s = Math.floor((when - now) / 1000);
    if (s <= 0) return "deadline passed";
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    if (d > 0) return `${d} d ${h} h left`;
    if (h > 0) return `${h} h ${m} min left`;
    return `${m} min ${s} s left`;
  }

  function parse(el) {
    const when = new Date(el.getAttribute("datetime"));
    return Number.isNaN(when.getTime()) ? null : when;
  }

  function render(now) {
    for (const el of document.querySelectorAll("time[datetime]")) {
      const when = parse(el);
      if (when === null) continue;
      // The server writes the UTC time as the title (and as the text, except for countdowns).
      if (!el.dataset.utc) el.dataset.utc = (el.getAttribute("title") || el.textContent).trim();
      const local = fmt.format(when);
      if (el.hasAttribute("data-countdown")) {
        el.textContent = left(when, now);
        el.title = `${local} (${el.dataset.utc})`;
      } else if (el.hasAttribute("data-relative")) {
        el.textContent = relative(when, now);
        el.title = `${local} (${el.dataset.utc})`;
      } else {
        el.textContent = local;
        el.title = el.dataset.utc;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    render(Date.now());
    // Countdowns tick every second while under an hour is left, else every 20 s; relative times follow.
    const tick = () => {
      render(Date.now());
      const soon = [...document.querySelectorAll("time[data-countdown]")]
        .some((el) => { const w = parse(el); return w && w - Date.now() < 3600e3 && w > Date.now(); });
      window.setTimeout(tick, soon ? 1000 : 20000);
    };
    window.setTimeout(tick, 1000);
    for (const button of document.querySelectorAll("[data-confirm]")) {
      button.addEventListener("click", (event) => {
        if (!window.confirm(button.dataset.confirm)) event.preventDefault();
      });
    }
  });
})();

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

// A table or code block wider than the screen scrolls inside its own box (holdout.css). A box that
// scrolls must be reachable by keyboard to be scrolled with the arrow keys: give it a tab stop while it
// overflows. Templates may set tabindex themselves (a .table-scroll wrapper with role="region"); those
// are left alone.
(() => {
  function markScrollers() {
    for (const el of document.querySelectorAll("main table, main pre, main .table-scroll, main .scroll-x")) {
      const scrolls = el.scrollWidth > el.clientWidth + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.dataset.scrollFocus = "";
      } else if (!scrolls && el.dataset.scrollFocus !== undefined) {
        el.removeAttribute("tabindex");
        delete el.dataset.scrollFocus;
      }
    }
  }
  let pending = 0;
  document.addEventListener("DOMContentLoaded", markScrollers);
  window.addEventListener("resize", () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(markScrollers, 150);
  });
})();
