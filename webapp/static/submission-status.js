// My submissions: rows still queued or being scored (they carry data-status-url) are polled and
// replaced by the server's freshly rendered row once their status changes, without a page reload.
// Without JavaScript the page's "Refresh" link does the same. No inline code: the CSP forbids it.
(function () {
  "use strict";
  var FIRST = 2000, MAX = 30000;

  function replaceRow(row, html) {
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();  // the server's own autoescaped template (_submission_row.html)
    var fresh = holder.firstElementChild;
    if (fresh) {
      row.replaceWith(fresh);
    }
    return fresh || row;
  }

  function poll(row, delay) {
    window.setTimeout(function () {
      fetch(row.getAttribute("data-status-url"), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (body) {
          var current = row;
          if (body.status !== row.getAttribute("data-status")) {
            current = replaceRow(row, body.row_html);
          }
          if (!body.final) {
            poll(current, Math.min(delay * 1.5, MAX));
          } else if (!document.querySelector("tr[data-status-url]")) {
            var note = document.getElementById("pending-note");
            if (note) { note.textContent = "Every submission has been scored."; }
          }
        })
        .catch(function () { poll(row, Math.min(delay * 2, MAX)); });
    }, delay);
  }

  document.querySelectorAll("tr[data-status-url]").forEach(function (row) { poll(row, FIRST); });
})();
