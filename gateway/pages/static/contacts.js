// The contacts table's column panel and the record's confirmations; the pages work without it.
"use strict";

function columnPanel(form) {
  const table = document.querySelector("[data-contacts-table]");
  const list = form.querySelector(".column-list");
  const status = form.querySelector("[data-columns-status]");
  const csrf = form.querySelector("input[name=csrf_token]").value;

  function layout() {
    return [...list.children]
      .filter((item) => item.querySelector("input[type=checkbox]").checked)
      .map((item) => item.dataset.column);
  }

  function apply() {
    const order = [...list.children].map((item) => item.dataset.column);
    const shown = new Set(layout());
    if (!table) return;
    for (const row of table.querySelectorAll("tr")) {
      const cells = Object.fromEntries(
        [...row.children].filter((cell) => cell.dataset.column).map((cell) => [cell.dataset.column, cell]),
      );
      if (!Object.keys(cells).length) {
        for (const cell of row.children) cell.colSpan = Math.max(shown.size, 1);
        continue;
      }
      for (const key of order) {
        const cell = cells[key];
        if (!cell) continue;
        cell.hidden = !shown.has(key);
        row.appendChild(cell);
      }
    }
  }

  async function save() {
    const columns = layout();
    if (!columns.length) {
      status.textContent = "Choose at least one column.";
      return;
    }
    status.textContent = "Saving…";
    try {
      const response = await fetch("/api/v1/preferences/contacts-table", {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ columns }),
      });
      status.textContent = response.ok ? "Saved." : "Not saved (" + response.status + ").";
    } catch (error) {
      status.textContent = "Not saved: the portal did not answer.";
    }
  }

  form.addEventListener("change", (event) => {
    if (event.target.matches("input[type=checkbox]")) {
      apply();
      save();
    }
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[name=move]");
    if (!button) return;
    event.preventDefault();
    const item = button.closest("li");
    if (button.value.endsWith(":up") && item.previousElementSibling) {
      list.insertBefore(item, item.previousElementSibling);
    } else if (button.value.endsWith(":down") && item.nextElementSibling) {
      list.insertBefore(item.nextElementSibling, item);
    }
    button.focus();
    apply();
    save();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
    save();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-columns-form]");
  if (form) columnPanel(form);
  for (const button of document.querySelectorAll("[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
});
