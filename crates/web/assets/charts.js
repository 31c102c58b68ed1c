// Hands the option JSON that the server built to ECharts (embedded, never a CDN).
(function () {
  if (typeof echarts === 'undefined') return;
  var charts = [];
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var source = document.getElementById(el.getAttribute('data-chart'));
    if (!source) return;
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(JSON.parse(source.textContent));
    charts.push(chart);
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
