// Unit chain page: draws a strategic unit's supply chain with Apache
// ECharts from the JSON at the container's data-graph URL. The unit sits in
// the middle, its suppliers (upstream) on the left and its customers
// (downstream) on the right; an edge's width grows with the amount, and
// counterparties that are not clients of the bank (prospects) stand out.
(function () {
  'use strict';

  var PROSPECT = '#d9480f', CLIENT = '#1c7ed6', UNIT = '#2b8a3e';

  function draw(el, g) {
    var L = g.labels;
    var categories = [
      { name: L.unit, itemStyle: { color: UNIT } },
      { name: L.client, itemStyle: { color: CLIENT } },
      { name: L.prospect, itemStyle: { color: PROSPECT } }
    ];
    var rows = Math.max(g.upstream.length, g.downstream.length, 1);
    var gap = 40, height = rows * gap;
    var max = 0;
    g.upstream.concat(g.downstream).forEach(function (n) { max = Math.max(max, n.value); });
    function width(v) { return max > 0 ? 1 + 9 * Math.sqrt(v / max) : 1; }

    var data = [{ id: 'unit', name: g.unit.name, x: 500, y: height / 2, category: 0, symbolSize: 34, raw: g.unit, side: '' }];
    var links = [];
    [['upstream', 100], ['downstream', 900]].forEach(function (s) {
      var side = s[0], list = g[side];
      var step = list.length > 1 ? height / (list.length - 1) : 0;
      list.forEach(function (n, i) {
        var id = side + ':' + n.id;
        data.push({
          id: id, name: n.name, x: s[1], y: list.length > 1 ? i * step : height / 2,
          category: n.client ? 1 : 2, symbolSize: n.client ? 14 : 18, raw: n, side: side
        });
        var link = side === 'upstream' ? { source: id, target: 'unit' } : { source: 'unit', target: id };
        link.lineStyle = { width: width(n.value), color: n.client ? CLIENT : PROSPECT, opacity: 0.6 };
        link.raw = n;
        link.side = side;
        links.push(link);
      });
    });

    function tip(n, side) {
      var lines = [n.name + (n.known ? ' (' + n.id + ')' : '')];
      if (side) {
        lines.push((side === 'upstream' ? L.upstream : L.downstream) + ' · ' + (n.client ? L.client : L.prospect));
        lines.push(L.amount + ': ' + n.amount);
        lines.push(L.payments + ': ' + n.payments);
        lines.push(L.period + ': ' + n.first + ' – ' + n.last);
      }
      return lines.map(function (s) { return echarts.format.encodeHTML(s); }).join('<br>');
    }

    var chart = window.echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption({
      title: { text: L.title, left: 'center', textStyle: { fontSize: 14 } },
      legend: { data: categories.map(function (c) { return c.name; }), bottom: 0 },
      tooltip: {
        formatter: function (p) {
          if (p.dataType === 'edge') { return tip(p.data.raw, p.data.side); }
          return tip(p.data.raw, p.data.side);
        }
      },
      graphic: [
        { type: 'text', left: '5%', top: 30, style: { text: L.upstream, fontSize: 13, fontWeight: 'bold' } },
        { type: 'text', right: '5%', top: 30, style: { text: L.downstream, fontSize: 13, fontWeight: 'bold' } }
      ],
      series: [{
        type: 'graph', layout: 'none', roam: true, draggable: false, top: 60, bottom: 50, left: 140, right: 140,
        categories: categories, data: data, links: links,
        edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 6,
        label: {
          show: true, fontSize: 11,
          position: 'right',
          formatter: function (p) { return p.data.name.length > 14 ? p.data.name.slice(0, 13) + '…' : p.data.name; }
        },
        labelLayout: { hideOverlap: true },
        emphasis: { focus: 'adjacency' }
      }]
    });
    // Labels on the left side read towards their node.
    chart.setOption({ series: [{ data: data.map(function (d) {
      if (d.side === 'upstream') { d.label = { position: 'left' }; }
      if (d.id === 'unit') { d.label = { position: 'bottom', fontWeight: 'bold' }; }
      return d;
    }) }] });
    window.addEventListener('resize', function () { chart.resize(); });
    chart.on('click', function (p) {
      if (p.dataType === 'node' && p.data.raw && p.data.raw.url) {
        window.location.href = p.data.raw.url;
      }
    });
  }

  function start() {
    var el = document.getElementById('chain-graph');
    if (!el || !window.echarts) { return; }
    fetch(el.getAttribute('data-graph'), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (g) {
        var rows = Math.max(g.upstream.length, g.downstream.length, 1);
        el.style.height = Math.max(360, rows * 32 + 140) + 'px';
        draw(el, g);
      })
      .catch(function () { el.hidden = true; });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
