// The communication center: a template's previews load into their sandboxed frames, and a sent
// message's progress refreshes from the API until every delivery is finished; a deletion asks
// to be confirmed.
"use strict";

const STATUS_LABELS = { queued: "Queued", sent: "Sent", delivered: "Delivered", failed: "Failed", bounced: "Bounced" };
const FINISHED = new Set(["sent", "delivered", "failed", "bounced"]);

function showProgress(section, message) {
  let finished = 0;
  for (const element of section.querySelectorAll("[data-status-count]")) {
    const count = message.statuses[element.dataset.statusCount] || 0;
    element.textContent = String(count);
    if (FINISHED.has(element.dataset.statusCount)) finished += count;
  }
  const expected = message.recipient_count * message.channels.length;
  const bar = section.querySelector("[data-progress-bar]");
  if (bar) { bar.max = Math.max(expected, 1); bar.value = finished; }
  const text = section.querySelector("[data-progress-text]");
  if (text) text.textContent = `${finished} of ${expected}`;
  for (const delivery of message.deliveries) {
    const row = document.querySelector(`[data-delivery="${delivery.contact_id}/${delivery.channel}"] [data-delivery-status]`);
    if (row && delivery.status) {
      row.textContent = STATUS_LABELS[delivery.status] + (delivery.reason ? ` (${delivery.reason})` : "");
    }
  }
  return expected > 0 && finished >= expected;
}

function followProgress(section) {
  let timer = null;
  const tick = async () => {
    try {
      const response = await fetch(section.dataset.progressUrl, { credentials: "same-origin" });
      if (response.ok && showProgress(section, await response.json())) clearInterval(timer);
    } catch (error) {
      // offline for a moment: the next tick tries again
    }
  };
  timer = setInterval(tick, 1500);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form[data-autosubmit]")) form.submit();
  const section = document.querySelector("[data-progress-url]");
  if (section && section.dataset.progressDone !== "true") followProgress(section);
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
});
