// Client reports (A10): the PortfolioAnalyst charts (uPlot, from the npm registry via /vendor/)
// drawn from the data-series attribute, and the progress of group statements, polled until done.
(function () {
  "use strict";
  var percent = function (u, v) { return v == null ? "" : v.toFixed(2) + " %"; };
  function scaled(value) { return value == null ? null : Math.round(value * 10000) / 100; }
  function cumulative(holder, data) {
    var days = [], account = [], benchmark = [];
    data.points.forEach(function (row) {
      days.push(Date.parse(row[0] + "T00:00:00Z") / 1000);
      account.push(scaled(row[1]));
      benchmark.push(scaled(row[2]));
    });
    if (days.length < 2) { return; }
    new window.uPlot({
      width: Math.max(300, holder.clientWidth || 600), height: 260,
      scales: { x: { time: true } },
      series: [
        { label: "Day", value: "{YYYY}-{MM}-{DD}" },
        { label: "Account", stroke: "#1f5fa8", width: 2, value: percent },
        { label: "Benchmark", stroke: "#b35c00", width: 1.5, value: percent }
      ],
      axes: [{}, { values: function (u, vals) { return vals.map(function (v) { return v.toFixed(1) + "%"; }); } }]
    }, [days, account, benchmark], holder);
  }
  function monthly(holder, data) {
    if (!data.months.length) { return; }
    var index = [], account = [], benchmark = [], labels = [];
    data.months.forEach(function (row, i) { index.push(i); labels.push(row[0]); account.push(scaled(row[1])); benchmark.push(scaled(row[2])); });
    var bars = window.uPlot.paths && window.uPlot.paths.bars ? window.uPlot.paths.bars({ size: [0.35, 40] }) : undefined;
    new window.uPlot({
      width: Math.max(300, holder.clientWidth || 600), height: 220,
      scales: { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } } },
      series: [
        { label: "Month", value: function (u, v) { return v == null ? "" : labels[v] || ""; } },
        { label: "Account", stroke: "#1f5fa8", fill: "rgba(31,95,168,0.6)", paths: bars, points: { show: false }, value: percent },
        { label: "Benchmark", stroke: "#b35c00", fill: "rgba(179,92,0,0.5)", paths: bars, points: { show: false }, value: percent }
      ],
      axes: [
        { values: function (u, vals) { return vals.map(function (v) { return labels[v] || ""; }); } },
        { values: function (u, vals) { return vals.map(function (v) { return v.toFixed(1) + "%"; }); } }
      ]
    }, [index, account, benchmark], holder);
  }
  function charts() {
    if (typeof window.uPlot !== "function") { return; }
    var line = document.getElementById("performance-chart");
    if (line) { cumulative(line, JSON.parse(line.getAttribute("data-series") || "{}")); }
    var months = document.getElementById("monthly-chart");
    if (months) { monthly(months, JSON.parse(months.getAttribute("data-series") || "{}")); }
  }
  function poll(row) {
    var url = row.getAttribute("data-progress");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        row.setAttribute("data-status", run.status);
        var progress = row.querySelector("progress");
        if (progress) { progress.max = Math.max(1, run.total); progress.value = run.done; }
        var text = row.querySelector("[data-progress-text]");
        if (text) { text.textContent = run.done + " of " + run.total + (run.status === "done" ? ", done" : ""); }
        var status = row.querySelector("[data-run-status]");
        if (status) { status.textContent = run.status; }
        if (run.status === "done" && run.result) {
          var link = row.querySelector("[data-result]");
          if (link) { link.innerHTML = ""; var a = document.createElement("a"); a.href = run.result; a.textContent = "Download"; link.appendChild(a); }
          return;
        }
        if (run.status !== "failed") { setTimeout(function () { poll(row); }, 1500); }
      });
  }
  function progress() {
    document.querySelectorAll("[data-progress]").forEach(function (row) {
      var status = row.getAttribute("data-status");
      if (status === "queued" || status === "running") { poll(row); }
    });
  }
  function start() { charts(); progress(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
