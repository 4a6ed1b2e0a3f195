// The statistics page's charts, drawn with Apache ECharts from the numbers the page carries in
// <script type="application/json"> blocks (the same numbers as its tables). A bar, a slice or a
// point opens the search that lists its records. Keyboard: Tab reaches a chart, the arrow keys
// (Home, End) move from item to item, which is announced, and Enter opens the item's records.
// The table under each chart is the accessible fallback and what shows without scripts.
(function () {
  "use strict";
  if (!window.echarts) return;
  var en = (document.documentElement.lang || "zh").indexOf("en") === 0;
  var status = document.getElementById("chart-status");
  var PALETTE = ["#1a4f8b", "#2e7d32", "#b35c00", "#6a3d9a", "#00796b", "#c2185b", "#5d6d7e", "#8d6e00", "#0277bd", "#9e2a2b"];
  var SELECTED = "#0b2e55";
  var charts = [];

  function data(key) {
    var node = document.getElementById("chart-data-" + key);
    return node ? JSON.parse(node.textContent) : null;
  }

  function fmt(n) {
    return n == null ? "" : Number(n).toLocaleString(en ? "en" : "zh-CN");
  }

  function describe(d, i) {
    var text = d.labels[i] + "：" + fmt(d.counts[i]);
    if (d.trend && d.changes[i] != null) text += "，" + d.change_label + " " + (d.changes[i] > 0 ? "+" : "") + d.changes[i] + "%";
    d.measures.forEach(function (m) { text += "，" + m.label + " " + fmt(m.values[i]); });
    return text;
  }

  function option(d) {
    var base = {
      color: PALETTE,
      animation: false,
      aria: { enabled: false },  // the container carries its own label; the table has the numbers
      textStyle: { fontFamily: "PingFang SC, Noto Sans CJK SC, Microsoft YaHei, sans-serif" },
      // rich text: a tooltip drawn on the canvas (HTML tooltips need inline styles the CSP refuses)
      tooltip: { trigger: d.kind === "pie" ? "item" : "axis", renderMode: "richText", confine: true,
                 formatter: function (p) { var first = Array.isArray(p) ? p[0] : p; return describe(d, first.dataIndex); } },
      grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true }
    };
    var values = d.counts.map(function (n, i) {
      return d.selected[i] ? { value: n, itemStyle: { color: SELECTED } } : n;
    });
    if (d.kind === "pie") {
      base.legend = { type: "scroll", bottom: 0 };
      base.series = [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], avoidLabelOverlap: true,
        label: { formatter: "{b}: {c}" },
        data: d.labels.map(function (l, i) { return { name: l, value: d.counts[i] }; }).filter(function (x) { return x.value > 0; }) }];
      return base;
    }
    if (d.kind === "line") {
      base.xAxis = { type: "category", data: d.labels, boundaryGap: false };
      base.yAxis = { type: "value", minInterval: 1 };
      if (d.parts) {
        base.legend = { top: 0 };
        base.grid.top = 32;
        base.series = Object.keys(d.parts).map(function (t) {
          return { type: "line", name: d.part_labels[t], data: d.parts[t], symbolSize: 6 };
        });
      } else {
        base.series = [{ type: "line", name: d.count_label, data: values, symbolSize: 6, areaStyle: { opacity: 0.08 } }];
      }
      return base;
    }
    var horizontal = d.kind === "hbar";
    var category = { type: "category", data: d.labels, axisLabel: { interval: 0, hideOverlap: !horizontal, rotate: horizontal ? 0 : (d.labels.length > 6 ? 35 : 0), width: horizontal ? 170 : 90, overflow: "truncate" } };
    var value = { type: "value", minInterval: 1 };
    if (horizontal) { category.inverse = true; base.xAxis = value; base.yAxis = category; } else { base.xAxis = category; base.yAxis = value; }
    base.series = [{ type: "bar", name: d.count_label, data: values, barMaxWidth: 36, label: { show: d.labels.length <= 12, position: horizontal ? "right" : "top" } }];
    return base;
  }

  function draw(el) {
    var d = data(el.getAttribute("data-chart"));
    if (!d) return;
    var horizontal = d.kind === "hbar";
    el.style.height = (horizontal ? Math.max(240, d.labels.length * 26 + 40) : 300) + "px";
    var chart = window.echarts.init(el, null, { renderer: "canvas", locale: en ? "EN" : "ZH" });
    chart.setOption(option(d));
    charts.push(chart);
    var current = -1;

    function open(index, seriesIndex) {
      var link = d.links[index];
      if (d.parts && seriesIndex != null) link += "&record_type=" + Object.keys(d.parts)[seriesIndex];
      if (link && d.counts[index] > 0) window.location.href = link;
    }
    chart.on("click", function (p) {
      var index = p.dataIndex;
      if (d.kind === "pie") index = d.labels.indexOf(p.name);
      open(index, d.parts ? p.seriesIndex : null);
    });
    function focus(index) {
      var n = d.labels.length;
      if (!n) return;
      current = (index + n) % n;
      if (d.kind === "pie") {
        chart.dispatchAction({ type: "downplay", seriesIndex: 0 });
        chart.dispatchAction({ type: "highlight", seriesIndex: 0, name: d.labels[current] });
        chart.dispatchAction({ type: "showTip", seriesIndex: 0, name: d.labels[current] });
      } else {
        chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: current });
      }
      if (status) status.textContent = describe(d, current);
    }
    el.addEventListener("keydown", function (e) {
      var keys = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      if (e.key in keys) { focus(current < 0 ? 0 : current + keys[e.key]); e.preventDefault(); }
      else if (e.key === "Home") { focus(0); e.preventDefault(); }
      else if (e.key === "End") { focus(d.labels.length - 1); e.preventDefault(); }
      else if (e.key === "Enter" && current >= 0) { open(current, null); e.preventDefault(); }
    });
    el.addEventListener("blur", function () { chart.dispatchAction({ type: "hideTip" }); });
    el._chart = chart;
    // the picture is here now: its table folds away (one click on "show as a table" brings it back)
    var table = document.querySelector('[data-table-for="' + d.key + '"]');
    if (table) table.open = false;
  }

  document.querySelectorAll("[data-chart]").forEach(draw);

  document.querySelectorAll("[data-png]").forEach(function (button) {
    button.addEventListener("click", function () {
      var el = document.querySelector('[data-chart="' + button.getAttribute("data-png") + '"]');
      if (!el || !el._chart) return;
      var a = document.createElement("a");
      a.href = el._chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
      a.download = "stats-" + button.getAttribute("data-png") + ".png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    });
  });

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
})();
