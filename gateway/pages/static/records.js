// CRM records (C7): confirm before deleting, and narrow a contact chooser by typing. No
// third-party code; the pages work without it.
"use strict";

function confirmDeletes(root) {
  for (const form of root.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

function option(value, label, selected) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label;
  element.selected = selected;
  return element;
}

async function findContacts(search, select) {
  const query = search.value.trim();
  const chosen = select.value;
  const url = "/api/v1/contacts?" + new URLSearchParams({ q: query, page_size: "50", sort: "contact" });
  try {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const page = await response.json();
    const keep = [...select.options].find((item) => item.value === chosen && chosen);
    select.replaceChildren(option("", page.items.length ? "Choose a contact…" : "No contact matches", false));
    if (keep && !page.items.some((item) => item.id === chosen)) select.append(keep);
    for (const item of page.items) select.append(option(item.id, item.name, item.id === chosen));
  } catch (error) {
    // offline for a moment: the choices stay as they were
  }
}

function contactPickers(root) {
  for (const search of root.querySelectorAll("[data-contact-search]")) {
    const select = search.parentElement.querySelector("[data-contact-select]");
    if (!select) continue;
    search.hidden = false;
    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => findContacts(search, select), 250);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  confirmDeletes(document);
  contactPickers(document);
});
