// The dashboard's assets-under-management chart (uPlot, from the npm registry via /vendor/),
// drawn from the data-series attribute: [day, assets, ytd return]. Hovering shows the values.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("aum-chart");
    if (!holder || typeof window.uPlot !== "function") { return; }
    var rows = JSON.parse(holder.getAttribute("data-series") || "[]");
    if (!rows.length) { return; }
    var days = [], assets = [], ytd = [];
    rows.forEach(function (row) {
      days.push(Date.parse(row[0] + "T00:00:00Z") / 1000);
      assets.push(row[1]);
      ytd.push(Math.round(row[2] * 10000) / 100);
    });
    var money = function (u, v) { return v == null ? "" : v.toLocaleString(undefined, {maximumFractionDigits: 0}); };
    var percent = function (u, v) { return v == null ? "" : v.toFixed(2) + " %"; };
    var options = {
      width: Math.max(300, holder.clientWidth || 600),
      height: 260,
      scales: { x: { time: true }, assets: {}, ret: {} },
      series: [
        { label: "Day", value: "{YYYY}-{MM}-{DD}" },
        { label: "Assets (USD)", scale: "assets", stroke: "#1f5fa8", width: 2, value: money },
        { label: "YTD return", scale: "ret", stroke: "#b35c00", width: 1.5, value: percent }
      ],
      axes: [
        {},
        { scale: "assets", values: function (u, vals) { return vals.map(function (v) { return (v / 1e6).toFixed(1) + "M"; }); } },
        { scale: "ret", side: 1, grid: { show: false }, values: function (u, vals) { return vals.map(function (v) { return v.toFixed(1) + "%"; }); } }
      ]
    };
    new window.uPlot(options, [days, assets, ytd], holder);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
