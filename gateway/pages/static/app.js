// Small progressive enhancements for the server-rendered portal; no third-party code.
"use strict";

function readPath(object, path) {
  return path.split(".").reduce((value, key) => (value == null ? value : value[key]), object);
}

async function refreshStatistics(section) {
  try {
    const response = await fetch(section.dataset.statisticsUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const statistics = await response.json();
    for (const element of section.querySelectorAll("[data-stat]")) {
      const value = readPath(statistics, element.dataset.stat);
      if (value !== undefined && String(value) !== element.textContent) element.textContent = value;
    }
  } catch (error) {
    // offline for a moment: the next tick tries again
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const section = document.querySelector("[data-statistics-url]");
  if (section) setInterval(() => refreshStatistics(section), 2000);
});
