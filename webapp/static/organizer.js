// Organizer pages: date-time pickers in the browser's time zone, the metric's description, confirmations
// that post, and the disqualify dialog. Everything here only enhances: without it, times are UTC (the page
// says so), confirmation pages ask instead of dialogs, and the forms post as written.
"use strict";

const pad = (n) => String(n).padStart(2, "0");

// A Date as a datetime-local value in the browser's time zone (seconds only when there are some).
function localValue(when) {
  const base = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T${pad(when.getHours())}:${pad(when.getMinutes())}`;
  return when.getSeconds() ? `${base}:${pad(when.getSeconds())}` : base;
}

function utcText(when) {
  return `${when.getUTCFullYear()}-${pad(when.getUTCMonth() + 1)}-${pad(when.getUTCDate())} ` +
    `${pad(when.getUTCHours())}:${pad(when.getUTCMinutes())}${when.getUTCSeconds() ? ":" + pad(when.getUTCSeconds()) : ""} UTC`;
}

function setUpDateTimes() {
  const inputs = document.querySelectorAll('input[type="datetime-local"]');
  if (!inputs.length) return;
  for (const input of inputs) {
    const offsetField = document.querySelector(`input[data-tz-for="${input.id}"]`);
    const echo = document.querySelector(`[data-utc-echo="${input.id}"]`);
    const utc = new Date(input.dataset.utc || "");
    if (input.dataset.utc && !Number.isNaN(utc.getTime())) input.value = localValue(utc);
    const update = () => {
      // A datetime-local value without a zone is read by Date as local time; its offset is the one of that
      // moment, so a deadline across a daylight-saving change is converted correctly.
      const local = input.value ? new Date(input.value) : null;
      const ok = local && !Number.isNaN(local.getTime());
      if (offsetField) offsetField.value = ok ? String(local.getTimezoneOffset()) : "";
      if (echo) echo.textContent = ok ? `= ${utcText(local)}` : "";
    };
    input.addEventListener("input", update);
    input.addEventListener("change", update);
    update();
  }
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "your time zone";
  for (const note of document.querySelectorAll("[data-tz-note]")) {
    note.textContent = `Times are in your time zone (${zone}); the UTC time is shown beside each.`;
  }
}

function setUpMetric() {
  const select = document.querySelector("select#metric");
  const about = document.querySelector("[data-metric-about]");
  if (!select || !about) return;
  const show = () => {
    const option = select.selectedOptions[0];
    if (!option || !option.dataset.description) { about.hidden = true; return; }
    about.textContent = `${option.value}: ${option.dataset.direction}. ${option.dataset.description}`;
    about.hidden = false;
  };
  select.addEventListener("change", show);
  show();
}

// <form method="get" action="…/confirm-page" data-confirm-post="question" data-csrf="token">: without
// JavaScript the GET opens the confirmation page; with it, a dialog asks and the action is posted at once.
function setUpConfirmPosts() {
  for (const form of document.querySelectorAll("form[data-confirm-post]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!window.confirm(form.dataset.confirmPost)) return;
      const post = document.createElement("form");
      post.method = "post";
      post.action = form.action;
      const token = document.createElement("input");
      token.type = "hidden";
      token.name = "csrf_token";
      token.value = form.dataset.csrf || "";
      post.append(token);
      document.body.append(post);
      post.submit();
    });
  }
}

// One dialog for every row's "Disqualify…" link; the link itself opens the confirmation page without script.
function setUpDisqualifyDialog() {
  const dialog = document.getElementById("dq-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const form = dialog.querySelector("form");
  const reason = dialog.querySelector("#dq-reason");
  for (const link of document.querySelectorAll("a[data-dq-dialog]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      form.action = link.href;
      dialog.querySelector("[data-dq-id]").textContent = link.dataset.dqDialog;
      dialog.querySelector("[data-dq-team]").textContent = link.dataset.dqTeam;
      reason.value = "";
      dialog.showModal();
      reason.focus();
    });
  }
  dialog.querySelector("[data-dq-cancel]").addEventListener("click", () => dialog.close());
}

document.addEventListener("DOMContentLoaded", () => {
  setUpDateTimes();
  setUpMetric();
  setUpConfirmPosts();
  setUpDisqualifyDialog();
});
