// The ledger chart (台账): inflow and outflow as bars, closing stock as a line, per period; one waste code or all.
// Data comes from the page's data-chart attribute (no inline script: the Content-Security-Policy forbids it).
(function () {
  var box = document.getElementById("ledger-chart");
  if (!box || !window.echarts) { return; }
  var data = JSON.parse(box.dataset.chart);
  var labels = JSON.parse(box.dataset.labels);
  var chart = window.echarts.init(box, null, { renderer: "canvas" });
  var picker = document.getElementById("chart-code");

  function draw() {
    var code = picker && picker.value;
    var s = code ? data.series[code] : data.total;
    chart.setOption({
      animation: false,
      grid: { left: 56, right: 16, top: 40, bottom: 40 },
      legend: { top: 0, data: [labels.inflow, labels.outflow, labels.closing] },
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: data.periods },
      yAxis: { type: "value", name: "kg" },
      series: [
        { name: labels.inflow, type: "bar", data: s.inflow, itemStyle: { color: "#1f7a4d" } },
        { name: labels.outflow, type: "bar", data: s.outflow, itemStyle: { color: "#b54708" } },
        { name: labels.closing, type: "line", data: s.closing, itemStyle: { color: "#1d4ed8" } }
      ]
    }, true);
    box.dataset.drawn = code || "all";
  }

  if (picker) { picker.addEventListener("change", draw); }
  window.addEventListener("resize", function () { chart.resize(); });
  draw();
}());
