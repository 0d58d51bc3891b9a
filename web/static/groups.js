// Group page: draws the ownership graph of a corporate group with Apache
// ECharts from the JSON at the container's data-graph URL. Members are laid
// out in rows by depth (the root on top); edges carry the holder's share.
(function () {
  'use strict';

  function layout(nodes) {
    var rows = {};
    nodes.forEach(function (n) {
      (rows[n.depth] = rows[n.depth] || []).push(n);
    });
    var widest = 1, deepest = 0;
    Object.keys(rows).forEach(function (d) {
      widest = Math.max(widest, rows[d].length);
      deepest = Math.max(deepest, Number(d));
    });
    // The chart is scaled to fit its box: space the rows so that the drawing
    // keeps a landscape shape (about 16:10) however wide the widest row is,
    // instead of flattening into a line.
    var width = (widest + 1) * 120;
    var rowGap = Math.max(140, width / 1.6 / (deepest + 1));
    Object.keys(rows).forEach(function (d) {
      var row = rows[d];
      row.forEach(function (n, i) {
        n.x = (i + 1) * (widest + 1) / (row.length + 1) * 120;
        n.y = Number(d) * rowGap;
      });
    });
  }

  function draw(el, g) {
    var L = g.labels;
    var categories = [{ name: L.root }, { name: L.client }, { name: L.non_client }];
    layout(g.nodes);
    var data = g.nodes.map(function (n) {
      return {
        // Links name their ends by id: the node's name is its id, its
        // label the entity's name.
        id: n.id, name: n.id, x: n.x, y: n.y,
        category: n.root ? 0 : (n.client ? 1 : 2),
        symbolSize: n.root ? 26 : 16,
        value: n.exposure,
        raw: n
      };
    });
    var links = g.edges.map(function (e) {
      var label = e.share_pct !== '0' ? e.share_pct + '%' : L.agreement;
      if (e.agreement && e.share_pct !== '0') { label += ' · ' + L.agreement; }
      return { source: e.source, target: e.target, label: { show: g.nodes.length <= 80, formatter: label }, share: label };
    });
    var chart = window.echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption({
      title: { text: L.title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { data: categories.map(function (c) { return c.name; }), bottom: 0 },
      tooltip: {
        formatter: function (p) {
          if (p.dataType === 'edge') {
            return echarts.format.encodeHTML(p.data.source + ' → ' + p.data.target + ': ' + p.data.share);
          }
          var n = p.data.raw;
          return echarts.format.encodeHTML(n.name + ' (' + n.id + ')') + '<br>' +
            echarts.format.encodeHTML(L.exposure + ': ' + n.exposure + ' ' + g.currency);
        }
      },
      series: [{
        type: 'graph', layout: 'none', roam: true, draggable: false,
        categories: categories, data: data, links: links,
        edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 7,
        label: {
          show: g.nodes.length <= 80, position: 'bottom', fontSize: 11,
          formatter: function (p) { return p.data.raw.name || p.data.raw.id; }
        },
        edgeLabel: { fontSize: 10 },
        lineStyle: { color: 'source', opacity: 0.7, curveness: 0.05 },
        emphasis: { focus: 'adjacency' }
      }]
    });
    window.addEventListener('resize', function () { chart.resize(); });
    chart.on('click', function (p) {
      if (p.dataType === 'node') {
        window.location.href = '/entities/' + encodeURIComponent(p.data.id);
      }
    });
    var note = document.getElementById('group-graph-note');
    if (note && g.truncated) { note.textContent = L.truncated; }
  }

  function start() {
    var el = document.getElementById('group-graph');
    if (!el || !window.echarts) { return; }
    fetch(el.getAttribute('data-graph'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (g) { draw(el, g); })
      .catch(function () { el.hidden = true; });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
