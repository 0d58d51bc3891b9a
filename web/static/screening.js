// Screening workspace: draws the Pareto chart (bars of the top scores
// coloured by tier, the cumulative line with the 50% and 80% marks) and the
// Lorenz curve with Apache ECharts, from the JSON at the Pareto container's
// data-chart-url, and again from a what-if fragment's data-chart attribute
// after htmx swaps it in. Keeps the weight sliders' figures current.
(function () {
  'use strict';

  var charts = {};

  function cssVar(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name);
    return (v && v.trim()) || fallback;
  }

  function chartOn(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) { return null; }
    if (!charts[id]) {
      charts[id] = window.echarts.init(el, null, { renderer: 'canvas' });
      window.addEventListener('resize', function () { charts[id].resize(); });
    }
    return charts[id];
  }

  function pct(v) { return (Math.round(v * 100) / 100).toFixed(2) + '%'; }

  function pareto(d) {
    var chart = chartOn('pareto-chart');
    if (!chart) { return; }
    var L = d.labels;
    var colours = {
      core: cssVar('--tier-core', '#b42318'),
      key: cssVar('--tier-key', '#175cd3'),
      general: cssVar('--tier-general', '#667085')
    };
    var bars = d.scores.map(function (s, i) {
      return { value: s, itemStyle: { color: colours[d.tiers[i]] || colours.general } };
    });
    chart.setOption({
      title: { text: L.pareto_title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { data: [L.score, L.cum], bottom: 0 },
      tooltip: {
        trigger: 'axis',
        formatter: function (ps) {
          var i = ps[0].dataIndex;
          var head = L.rank + ' ' + d.ranks[i] + (d.ids ? ' · ' + d.ids[i] : '');
          return echarts.format.encodeHTML(head) + '<br>' +
            echarts.format.encodeHTML(L.score + ': ' + d.scores[i] + '%') + '<br>' +
            echarts.format.encodeHTML(L.cum + ': ' + d.cum[i] + '%');
        }
      },
      grid: { left: 56, right: 56, top: 48, bottom: 64 },
      xAxis: { type: 'category', name: L.rank, nameLocation: 'middle', nameGap: 28, data: d.ranks },
      yAxis: [
        { type: 'value', name: L.score, axisLabel: { formatter: '{value}%' } },
        { type: 'value', name: L.cum, min: 0, max: 100, axisLabel: { formatter: '{value}%' } }
      ],
      series: [
        { name: L.score, type: 'bar', data: bars, itemStyle: { color: colours.core } },
        {
          name: L.cum, type: 'line', yAxisIndex: 1, data: d.cum, showSymbol: false,
          lineStyle: { color: cssVar('--text', '#1d2939') }, itemStyle: { color: cssVar('--text', '#1d2939') },
          markLine: {
            symbol: 'none', silent: true, lineStyle: { type: 'dashed' },
            data: [
              { yAxis: 50, name: L.mark50, label: { formatter: L.mark50 } },
              { yAxis: 80, name: L.mark80, label: { formatter: L.mark80 } }
            ]
          }
        }
      ]
    }, true);
  }

  function lorenz(d) {
    var chart = chartOn('lorenz-chart');
    if (!chart) { return; }
    var L = d.labels;
    chart.setOption({
      title: { text: L.lorenz_title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { data: [L.lorenz, L.equality], bottom: 0 },
      tooltip: {
        trigger: 'axis',
        formatter: function (ps) {
          var p = ps[0].data;
          return echarts.format.encodeHTML(L.units_pct + ': ' + pct(p[0])) + '<br>' +
            echarts.format.encodeHTML(L.share_pct + ': ' + pct(p[1]));
        }
      },
      grid: { left: 56, right: 24, top: 48, bottom: 64 },
      xAxis: { type: 'value', min: 0, max: 100, name: L.units_pct, nameLocation: 'middle', nameGap: 28, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'value', min: 0, max: 100, name: L.share_pct, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: L.lorenz, type: 'line', data: d.lorenz, showSymbol: false, areaStyle: { opacity: 0.15 }, itemStyle: { color: cssVar('--tier-key', '#175cd3') } },
        { name: L.equality, type: 'line', data: [[0, 0], [100, 100]], showSymbol: false, lineStyle: { type: 'dashed' }, itemStyle: { color: cssVar('--muted', '#667085') } }
      ]
    }, true);
  }

  function draw(d) {
    pareto(d);
    lorenz(d);
  }

  function fromFragment() {
    var el = document.getElementById('whatif-chart');
    if (!el) { return; }
    try { draw(JSON.parse(el.getAttribute('data-chart'))); } catch (e) { /* the tables still show the figures */ }
  }

  function start() {
    var el = document.getElementById('pareto-chart');
    if (el && el.getAttribute('data-chart-url')) {
      fetch(el.getAttribute('data-chart-url'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) {
          if (!r.ok) { throw new Error('HTTP ' + r.status); }
          return r.json();
        })
        .then(function (d) { if (!document.getElementById('whatif-chart')) { draw(d); } })
        .catch(function () { el.hidden = true; });
    }
    fromFragment();
    document.body.addEventListener('htmx:afterSwap', fromFragment);
    document.addEventListener('input', function (e) {
      var t = e.target;
      if (!t.classList || !t.classList.contains('weight-range')) { return; }
      var out = document.getElementById(t.getAttribute('data-output'));
      if (out) { out.textContent = t.value; }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
