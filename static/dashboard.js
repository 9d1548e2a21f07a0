// The regulators' dashboard (驾驶舱): the trend chart and the county-to-county Sankey, drawn with the vendored
// ECharts from the data-* attributes of their boxes (the Content-Security-Policy forbids inline scripts).
(function () {
  if (!window.echarts) { return; }
  var charts = [];

  function trend(box) {
    var data = JSON.parse(box.dataset.trend);
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    var series = data.series.map(function (s) {
      var count = s.key === "manifests_issued";
      // manifests as pale bars behind the kilogram lines
      return { name: s.name, type: count ? "bar" : "line", yAxisIndex: count ? 1 : 0, data: s.values, z: count ? 1 : 3,
               showSymbol: data.labels.length < 40, itemStyle: count ? { color: "#c9d6cf" } : undefined };
    });
    chart.setOption({
      animation: false,
      grid: { left: 64, right: 48, top: 56, bottom: 40 },
      legend: { top: 0, type: "scroll", data: data.series.map(function (s) { return s.name; }) },
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: { type: "category", data: data.labels },
      yAxis: [{ type: "value", name: box.dataset.kg }, { type: "value", name: box.dataset.count, splitLine: { show: false } }],
      series: series
    });
    box.dataset.drawn = "yes";
    charts.push(chart);
  }

  function sankey(box) {
    var data = JSON.parse(box.dataset.sankey);
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    var picker = document.getElementById("sankey-stream");
    function draw() {
      var s = data[picker ? Number(picker.value) : 0];
      chart.setOption({
        animation: false,
        legend: { top: 0, data: [box.dataset.legend + " · " + s.name] },
        tooltip: { trigger: "item", renderMode: "richText" },
        series: [{ type: "sankey", name: box.dataset.legend + " · " + s.name, top: 36, left: 8, right: 96,
                   emphasis: { focus: "adjacency" }, nodeGap: 10,
                   data: s.nodes.map(function (n) { return { name: n }; }), links: s.links,
                   lineStyle: { color: "gradient", curveness: 0.5 } }]
      }, true);
      box.dataset.drawn = s.stream;
    }
    if (picker) { picker.addEventListener("change", draw); }
    draw();
    charts.push(chart);
  }

  var t = document.getElementById("trend-chart");
  if (t) { trend(t); }
  var s = document.getElementById("sankey-chart");
  if (s) { sankey(s); }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
