/*
 * KAM — progressive enhancement for the server-rendered pages.
 *
 * Every page works without this file: tables carry the numbers, links and
 * forms do the work. This script only adds:
 *   - charts (Apache ECharts, global `echarts`) drawn from
 *       <div class="chart" data-chart="KIND" data-json="ID"></div>
 *       <script type="application/json" id="ID">{…}</script>
 *     KIND is pyramid, pareto, heatmap, trend, donut or bars. All text shown
 *     in a chart comes from the JSON, already translated by the server.
 *   - data-confirm="question" on a button, link or form: asks confirm().
 *   - <select data-autosubmit> (or any input): submits its form on change.
 *   - the menu button (.nav-toggle) that opens the sidebar on phones.
 *   - [data-board]: drag an opportunity card to another stage (the drop posts
 *     the move; a refusal such as unmet exit criteria is shown).
 *   - select[data-filter-by="ID"]: offers the options whose data-account is
 *     the value of the select #ID.
 *   - [data-poll][data-url]: polls a JSON progress URL every second,
 *     {"done":n,"total":n,"state":"running|done|failed","message":"…"},
 *     updates the <progress>, .progress-bar and [data-field] elements inside,
 *     and reloads the page when the state is done or failed.
 *
 * Plain ES2017, no build step, no dependencies besides ECharts.
 */
(function () {
  'use strict';

  var doc = document;
  var root = doc.documentElement;
  root.classList.add('js');

  // ── helpers ────────────────────────────────────────────────────────────

  function onReady(fn) {
    if (doc.readyState === 'loading') {
      doc.addEventListener('DOMContentLoaded', fn);
    } else {
      fn();
    }
  }

  function cssVar(name) {
    return getComputedStyle(root).getPropertyValue(name).trim();
  }

  // color resolves a colour key from the JSON ("A", "OX_NOSE", "PRODUCT",
  // "tier-A", "#c00") to a CSS colour, reading the stylesheet's variables.
  function color(key, fallback) {
    if (!key) return fallback;
    key = String(key);
    if (key.charAt(0) === '#' || key.indexOf('rgb') === 0) return key;
    var names = ['--' + key, '--tier-' + key, '--band-' + key, '--class-' + key];
    for (var i = 0; i < names.length; i++) {
      var v = cssVar(names[i]);
      if (v) return v;
    }
    return fallback;
  }

  function palette() {
    var out = [];
    for (var i = 1; i <= 7; i++) {
      var c = cssVar('--chart-' + i);
      if (c) out.push(c);
    }
    return out.length ? out : ['#1f6feb', '#0f8b8d', '#e07b00', '#7a1fa2', '#c8102e', '#5b8c00', '#8a94a3'];
  }

  function lang() {
    return root.getAttribute('lang') || 'zh-CN';
  }

  function pct(v, digits) {
    if (v == null || isNaN(v)) return '–';
    return (v * 100).toFixed(digits == null ? 1 : digits) + '%';
  }

  function num(v, digits) {
    if (v == null || isNaN(v)) return '–';
    try {
      return Number(v).toLocaleString(lang(), {
        minimumFractionDigits: digits || 0,
        maximumFractionDigits: digits || 0
      });
    } catch (e) {
      return Number(v).toFixed(digits || 0);
    }
  }

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  // textWidth estimates the width in pixels of a label: CJK characters are
  // about one em wide, others a little over half.
  function textWidth(s, fontSize) {
    var w = 0;
    s = String(s == null ? '' : s);
    for (var i = 0; i < s.length; i++) w += s.charCodeAt(i) > 0x2e7f ? fontSize : fontSize * 0.6;
    return w;
  }

  function labels(data) {
    return (data && data.labels) || {};
  }

  // base returns the options every chart shares: font, colours, tooltip.
  function base() {
    var text = cssVar('--text') || '#1f2329';
    return {
      animationDuration: 300,
      color: palette(),
      textStyle: {
        fontFamily: getComputedStyle(doc.body).fontFamily,
        fontSize: 12,
        color: text
      },
      tooltip: {
        confine: true,
        textStyle: { fontSize: 12 }
      }
    };
  }

  function axisStyle() {
    var axis = cssVar('--chart-axis') || '#86909c';
    var grid = cssVar('--chart-grid') || '#eceef2';
    return {
      axisLine: { lineStyle: { color: axis } },
      axisTick: { lineStyle: { color: axis } },
      axisLabel: { color: cssVar('--text-2') || '#4e5969' },
      splitLine: { lineStyle: { color: grid } },
      nameTextStyle: { color: cssVar('--text-2') || '#4e5969' }
    };
  }

  function merge(a, b) {
    var out = {};
    var k;
    for (k in a) if (Object.prototype.hasOwnProperty.call(a, k)) out[k] = a[k];
    for (k in b) if (Object.prototype.hasOwnProperty.call(b, k)) out[k] = b[k];
    return out;
  }

  function assign(target, source) {
    for (var k in source) if (Object.prototype.hasOwnProperty.call(source, k)) target[k] = source[k];
    return target;
  }

  // ── chart kinds ────────────────────────────────────────────────────────
  // Each builder takes (data, el) and returns an ECharts option. Builders
  // that depend on the element's width are rebuilt on resize (see .responsive).

  var kinds = {};

  // pyramid: a true pyramid (top tier at the apex) drawn as an ascending
  // funnel whose layers have equal height regardless of the counts, each
  // labelled "A · 40 · 22.0%" (tier · accounts · revenue share), and beside
  // it (below it on narrow screens) horizontal bars comparing each tier's
  // share of accounts with its share of revenue.
  kinds.pyramid = function (data, el) {
    var tiers = (data.tiers || []).slice();
    var l = labels(data);
    var n = tiers.length;
    var narrow = el.clientWidth < 560;
    var muted = cssVar('--chart-muted') || '#b8c2d1';
    var names = tiers.map(function (t) { return t.name; });
    var byName = {};
    tiers.forEach(function (t) { byName[t.name] = t; });

    var funnelData = tiers.map(function (t, i) {
      var c = color(t.color || t.name, palette()[i % 7]);
      return {
        name: t.name,
        value: i + 1, // shape only: the first tier is the narrowest, at the apex
        itemStyle: { color: c },
        label: { color: cssVar('--text') || '#1f2329' },
        labelLine: { lineStyle: { color: c } }
      };
    });

    function tierTooltip(name) {
      var t = byName[name];
      if (!t) return '';
      var rows = [
        [l.accounts, num(t.accounts)],
        [l.account_share, pct(t.account_share, 2)],
        [l.revenue_share, pct(t.revenue_share, 1)]
      ];
      if (t.revenue_wan != null && l.revenue) rows.push([l.revenue, esc(t.revenue_wan)]);
      var html = '<b>' + esc(t.label || t.name) + '</b>';
      rows.forEach(function (r) {
        if (r[0]) html += '<br>' + esc(r[0]) + ': ' + r[1];
      });
      return html;
    }

    var funnelBox = narrow
      ? { left: '6%', top: 8, width: '48%', height: '44%' }
      : { left: '2%', top: 24, width: '30%', bottom: 24 };
    var gridBox = narrow
      ? { left: 36, right: 46, top: '58%', bottom: 8 }
      : { left: '56%', right: 48, top: 28, bottom: 24 };

    var ax = axisStyle();
    return merge(base(), {
      tooltip: {
        confine: true,
        trigger: 'item',
        formatter: function (p) { return tierTooltip(p.name); }
      },
      legend: {
        data: [l.account_share, l.revenue_share],
        top: narrow ? '51%' : 0,
        right: narrow ? 'center' : 48,
        itemWidth: 12,
        itemHeight: 10,
        textStyle: { fontSize: 12 }
      },
      grid: assign({ containLabel: false }, gridBox),
      xAxis: assign({
        type: 'value',
        max: function (v) { return Math.min(1, Math.ceil(v.max * 10) / 10); },
        axisLabel: assign(assign({}, ax.axisLabel), { formatter: function (v) { return Math.round(v * 100) + '%'; } })
      }, { axisLine: ax.axisLine, splitLine: ax.splitLine }),
      yAxis: {
        type: 'category',
        data: names,
        inverse: true, // top tier on top, next to the apex
        axisLine: ax.axisLine,
        axisTick: { show: false },
        axisLabel: {
          fontWeight: 600,
          color: function (name) { return color((byName[name] || {}).color || name, cssVar('--text')); }
        }
      },
      series: [
        {
          type: 'funnel',
          sort: 'ascending',
          min: 0,
          max: n,
          minSize: '0%',
          maxSize: '100%',
          gap: 2,
          left: funnelBox.left,
          top: funnelBox.top,
          width: funnelBox.width,
          height: funnelBox.height,
          bottom: funnelBox.bottom,
          tooltip: { formatter: function (p) { return tierTooltip(p.name); } },
          label: {
            show: true,
            position: 'right',
            fontSize: 12,
            formatter: function (p) {
              var t = byName[p.name];
              return t.name + ' · ' + num(t.accounts) + ' · ' + pct(t.revenue_share, 1);
            }
          },
          labelLine: { show: true, length: 14, lineStyle: { width: 1 } },
          itemStyle: { borderColor: '#fff', borderWidth: 1 },
          emphasis: { label: { fontWeight: 600 } },
          data: funnelData
        },
        {
          name: l.account_share,
          type: 'bar',
          barGap: '10%',
          barMaxWidth: 16,
          itemStyle: { color: muted },
          label: { show: true, position: 'right', fontSize: 11, color: cssVar('--text-2'), formatter: function (p) { return pct(p.value, 1); } },
          tooltip: { formatter: function (p) { return tierTooltip(p.name); } },
          data: tiers.map(function (t) { return t.account_share; })
        },
        {
          name: l.revenue_share,
          type: 'bar',
          barMaxWidth: 16,
          itemStyle: { color: cssVar('--text-2') || '#4e5969' },
          label: { show: true, position: 'right', fontSize: 11, color: cssVar('--text'), fontWeight: 600, formatter: function (p) { return pct(p.value, 1); } },
          tooltip: { formatter: function (p) { return tierTooltip(p.name); } },
          data: tiers.map(function (t, i) {
            return { value: t.revenue_share, itemStyle: { color: color(t.color || t.name, palette()[i % 7]) } };
          })
        }
      ]
    });
  };
  kinds.pyramid.responsive = true;

  // pareto: cumulative share of revenue against share of accounts (both in
  // %), with vertical marks at the method's 1/4/20 % and the theory points.
  kinds.pareto = function (data, el) {
    var l = labels(data);
    var ax = axisStyle();
    var accent = cssVar('--primary') || '#1f6feb';
    var theoryColor = cssVar('--tier-B') || '#e07b00';
    var markColor = cssVar('--border-strong') || '#c9cdd4';
    var percentAxis = function (name, extra) {
      return assign({
        type: 'value',
        min: 0,
        max: 1,
        interval: 0.1,
        name: name,
        nameLocation: 'middle',
        nameGap: 28,
        nameTextStyle: ax.nameTextStyle,
        axisLine: ax.axisLine,
        axisTick: ax.axisTick,
        splitLine: ax.splitLine,
        axisLabel: assign(assign({}, ax.axisLabel), { formatter: function (v) { return Math.round(v * 100) + '%'; } })
      }, extra || {});
    };
    // Mark labels sit above the plot, left-aligned on their line. The 1 %
    // and 4 % lines are close together, so a label that would run into the
    // previous one goes up a row.
    var plotWidth = Math.max(100, el.clientWidth - 80);
    var prev = null;
    var levels = 0;
    var marks = (data.marks || []).slice().sort(function (a, b) { return a.x - b.x; }).map(function (m) {
      var level = 0;
      if (prev && (m.x - prev.x) * plotWidth < prev.width + 8) level = prev.level + 1;
      prev = { x: m.x, width: textWidth(m.label, 11), level: level };
      if (level > levels) levels = level;
      return {
        xAxis: m.x,
        label: { formatter: m.label, distance: [0, 4 + level * 15] }
      };
    });
    return merge(base(), {
      tooltip: {
        confine: true,
        trigger: 'axis',
        axisPointer: { type: 'cross', label: { formatter: function (p) { return pct(p.value, 1); } } },
        formatter: function (ps) {
          var out = '';
          ps.forEach(function (p) {
            var v = p.value || p.data;
            out += (out ? '<br>' : '') + p.marker + esc(p.seriesName) + ': ' + pct(v[0], 1) + ' → ' + pct(v[1], 1);
          });
          return out;
        }
      },
      legend: { data: [l.actual, l.theory], top: 0, right: 16, itemWidth: 14, itemHeight: 8 },
      grid: { left: 56, right: 24, top: 44 + levels * 15, bottom: 44 },
      xAxis: percentAxis(l.x),
      yAxis: percentAxis(l.y, { nameGap: 40 }),
      series: [
        {
          name: l.actual,
          type: 'line',
          data: data.points || [],
          showSymbol: false,
          smooth: false,
          lineStyle: { width: 2, color: accent },
          itemStyle: { color: accent },
          areaStyle: { color: accent, opacity: 0.08 },
          markLine: {
            silent: true,
            symbol: 'none',
            lineStyle: { type: 'dashed', color: markColor, width: 1 },
            label: {
              position: 'end',
              align: 'left',
              color: cssVar('--text-2') || '#4e5969',
              fontSize: 11
            },
            data: marks
          }
        },
        {
          name: l.theory,
          type: 'scatter',
          data: data.theory || [],
          symbolSize: 9,
          itemStyle: { color: theoryColor, borderColor: '#fff', borderWidth: 1 },
          z: 5
        }
      ]
    });
  };

  // heatmap: tier migration matrix, previous period down the side, current
  // period across; counts in the cells; a cell with a link is clickable.
  kinds.pareto.responsive = true;

  kinds.heatmap = function (data) {
    var l = labels(data);
    var ax = axisStyle();
    var rows = data.rows || [];
    var cols = data.cols || [];
    var links = data.links || {};
    var max = 0;
    var cells = (data.cells || []).map(function (c) {
      if (c[2] > max) max = c[2];
      return {
        value: [c[1], c[0], c[2]],
        label: { show: c[2] > 0 },
        // the diagonal (stayed in the same tier) gets a frame
        itemStyle: rows[c[0]] === cols[c[1]] ? { borderColor: cssVar('--text-2') || '#4e5969', borderWidth: 1 } : undefined
      };
    });
    var cat = function (list, name, extra) {
      return assign({
        type: 'category',
        data: list,
        name: name,
        nameTextStyle: assign(assign({}, ax.nameTextStyle), { fontWeight: 600 }),
        axisLine: ax.axisLine,
        axisTick: { show: false },
        axisLabel: assign(assign({}, ax.axisLabel), {
          fontWeight: 600,
          color: function (v) { return color(v, cssVar('--text-2')); }
        }),
        splitArea: { show: false }
      }, extra || {});
    };
    return merge(base(), {
      tooltip: {
        confine: true,
        formatter: function (p) {
          var v = p.value;
          return esc(l.y || '') + ' ' + esc(rows[v[1]]) + ' → ' + esc(l.x || '') + ' ' + esc(cols[v[0]]) + ': <b>' + num(v[2]) + '</b>';
        }
      },
      grid: { left: 56, right: 16, top: 40, bottom: 16 },
      xAxis: cat(cols, l.x, { position: 'top', nameLocation: 'end', nameGap: 8 }),
      yAxis: cat(rows, l.y, { inverse: true, nameLocation: 'start', nameGap: 12 }),
      visualMap: {
        show: false,
        min: 0,
        max: Math.max(max, 1),
        inRange: { color: [cssVar('--chart-heat-low') || '#eef4ff', cssVar('--chart-heat-high') || '#1f4fa8'] }
      },
      series: [{
        type: 'heatmap',
        data: cells,
        cursor: Object.keys(links).length ? 'pointer' : 'default',
        label: {
          show: true,
          fontSize: 12,
          fontWeight: 600,
          formatter: function (p) { return num(p.value[2]); }
        },
        itemStyle: { borderColor: '#fff', borderWidth: 2 },
        emphasis: { itemStyle: { borderColor: cssVar('--primary') || '#1f6feb', borderWidth: 2 } }
      }]
    });
  };
  kinds.heatmap.onClick = function (data, p) {
    if (!p || !p.value) return;
    var link = (data.links || {})[p.value[1] + ',' + p.value[0]];
    if (link) window.location.href = link;
  };

  // trend: stacked bars by month. Values are in yuan; the axis shows them
  // divided by data.divisor (default 10000, i.e. 万元), labelled labels.y.
  kinds.trend = function (data) {
    var l = labels(data);
    var ax = axisStyle();
    var div = data.divisor || 10000;
    var series = (data.series || []).map(function (s, i) {
      var c = color(s.color, null);
      return {
        name: s.name,
        type: 'bar',
        stack: s.stack || 'total',
        barMaxWidth: 28,
        itemStyle: c ? { color: c } : undefined,
        data: (s.values || []).map(function (v) { return v == null ? null : v / div; })
      };
    });
    return merge(base(), {
      tooltip: {
        confine: true,
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        valueFormatter: function (v) { return num(v, 1) + (l.y ? ' ' + l.y : ''); }
      },
      legend: { top: 0, right: 16, itemWidth: 12, itemHeight: 10 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: {
        type: 'category',
        data: data.months || [],
        axisLine: ax.axisLine,
        axisTick: ax.axisTick,
        axisLabel: ax.axisLabel
      },
      yAxis: {
        type: 'value',
        name: l.y,
        nameTextStyle: assign(assign({}, ax.nameTextStyle), { align: 'left' }),
        axisLine: { show: false },
        splitLine: ax.splitLine,
        axisLabel: assign(assign({}, ax.axisLabel), { formatter: function (v) { return num(v); } })
      },
      series: series
    });
  };

  // donut: share of a whole; items may carry a colour key.
  kinds.donut = function (data) {
    var items = (data.items || []).map(function (it) {
      var c = color(it.color, null);
      return { name: it.name, value: it.value, itemStyle: c ? { color: c } : undefined };
    });
    return merge(base(), {
      tooltip: {
        confine: true,
        trigger: 'item',
        formatter: function (p) {
          return p.marker + esc(p.name) + ': <b>' + num(p.value, 1) + '</b> (' + p.percent.toFixed(1) + '%)';
        }
      },
      legend: { bottom: 0, left: 'center', itemWidth: 12, itemHeight: 10 },
      series: [{
        type: 'pie',
        radius: ['45%', '70%'],
        center: ['50%', '45%'],
        avoidLabelOverlap: true,
        itemStyle: { borderColor: '#fff', borderWidth: 2 },
        label: { formatter: '{b}\n{d}%', fontSize: 12, lineHeight: 16 },
        data: items
      }]
    });
  };

  // bars: generic grouped bars. Optional: horizontal (bool), percent (values
  // are 0..1 fractions), series[].color, series[].stack.
  kinds.bars = function (data) {
    var ax = axisStyle();
    var l = labels(data);
    var fmt = data.percent ? function (v) { return pct(v, 1); } : function (v) { return num(v, data.digits || 0); };
    var catAxis = {
      type: 'category',
      data: data.categories || [],
      axisLine: ax.axisLine,
      axisTick: ax.axisTick,
      axisLabel: ax.axisLabel,
      inverse: !!data.horizontal
    };
    var valAxis = {
      type: 'value',
      name: l.y,
      nameTextStyle: ax.nameTextStyle,
      axisLine: { show: false },
      splitLine: ax.splitLine,
      axisLabel: assign(assign({}, ax.axisLabel), { formatter: data.percent ? function (v) { return Math.round(v * 100) + '%'; } : function (v) { return num(v); } })
    };
    var series = (data.series || []).map(function (s) {
      var c = color(s.color, null);
      return {
        name: s.name,
        type: 'bar',
        stack: s.stack,
        barMaxWidth: 24,
        itemStyle: c ? { color: c } : undefined,
        data: s.values || []
      };
    });
    return merge(base(), {
      tooltip: {
        confine: true,
        trigger: 'axis',
        axisPointer: { type: 'shadow' },
        valueFormatter: fmt
      },
      legend: { show: series.length > 1, top: 0, right: 16, itemWidth: 12, itemHeight: 10 },
      grid: { left: 8, right: 24, top: series.length > 1 ? 36 : 16, bottom: 8, containLabel: true },
      xAxis: data.horizontal ? valAxis : catAxis,
      yAxis: data.horizontal ? catAxis : valAxis,
      series: series
    });
  };

  // ── chart registry ─────────────────────────────────────────────────────

  var charts = [];

  function readJSON(id) {
    var s = id && doc.getElementById(id);
    if (!s) return null;
    return JSON.parse(s.textContent || 'null');
  }

  function initChart(el) {
    var kind = kinds[el.getAttribute('data-chart')];
    if (!kind) throw new Error('unknown chart kind ' + el.getAttribute('data-chart'));
    var data = readJSON(el.getAttribute('data-json'));
    if (!data) throw new Error('no JSON for chart ' + el.getAttribute('data-json'));
    var chart = echarts.init(el, null, { renderer: 'svg' });
    chart.setOption(kind(data, el));
    if (kind.onClick) {
      chart.on('click', function (p) { kind.onClick(data, p); });
    }
    var entry = { el: el, chart: chart, kind: kind, data: data, width: el.clientWidth };
    fitSVG(entry);
    charts.push(entry);
    return entry;
  }

  // fitSVG gives the chart's <svg> a viewBox equal to its size. On screen that
  // changes nothing; in print the stylesheet lets the svg shrink to the page
  // width, and the viewBox scales the drawing with it instead of cropping it.
  // (ECharts' own re-renders leave the attribute alone.)
  function fitSVG(c) {
    var svg = c.el.querySelector('svg');
    if (svg) svg.setAttribute('viewBox', '0 0 ' + c.chart.getWidth() + ' ' + c.chart.getHeight());
  }

  function resizeAll() {
    charts.forEach(function (c) {
      if (c.kind.responsive && c.el.clientWidth !== c.width) {
        c.chart.setOption(c.kind(c.data, c.el), true);
      }
      c.width = c.el.clientWidth;
      c.chart.resize();
      fitSVG(c);
    });
  }

  function initCharts(retried) {
    var els = doc.querySelectorAll('[data-chart]');
    if (!els.length) return;
    if (typeof window.echarts === 'undefined' && !retried && doc.readyState !== 'complete') {
      // echarts.min.js may be loaded after this file (async, or at the end
      // of the body): try again once everything has loaded.
      window.addEventListener('load', function () { initCharts(true); });
      return;
    }
    if (typeof window.echarts === 'undefined') {
      // No library: hide the empty boxes, the tables carry the numbers.
      Array.prototype.forEach.call(els, function (el) { el.classList.add('chart-failed'); });
      return;
    }
    Array.prototype.forEach.call(els, function (el) {
      try {
        initChart(el);
      } catch (e) {
        el.classList.add('chart-failed');
        if (window.console) console.error('chart', el, e);
      }
    });

    var timer = null;
    var schedule = function () {
      clearTimeout(timer);
      timer = setTimeout(resizeAll, 100);
    };
    window.addEventListener('resize', schedule);
    if (typeof ResizeObserver !== 'undefined') {
      var ro = new ResizeObserver(schedule);
      charts.forEach(function (c) { ro.observe(c.el); });
    }
  }

  // ── data-confirm ───────────────────────────────────────────────────────

  function initConfirm() {
    doc.addEventListener('click', function (e) {
      var el = e.target.closest ? e.target.closest('[data-confirm]') : null;
      if (!el || el.tagName === 'FORM') return;
      if (!window.confirm(el.getAttribute('data-confirm'))) {
        e.preventDefault();
        e.stopPropagation();
        return;
      }
      // A confirmed submit button does not ask again for its form.
      if (el.form) el.form.setAttribute('data-confirmed', '1');
    }, true);
    doc.addEventListener('submit', function (e) {
      var form = e.target;
      if (!form.hasAttribute('data-confirm')) return;
      if (form.getAttribute('data-confirmed') === '1') {
        form.removeAttribute('data-confirmed');
        return;
      }
      if (!window.confirm(form.getAttribute('data-confirm'))) e.preventDefault();
    }, true);
  }

  // ── data-autosubmit ────────────────────────────────────────────────────

  function initAutosubmit() {
    doc.addEventListener('change', function (e) {
      var el = e.target;
      if (!el.hasAttribute || !el.hasAttribute('data-autosubmit') || !el.form) return;
      if (el.form.requestSubmit) {
        el.form.requestSubmit();
      } else {
        el.form.submit();
      }
    });
  }

  // ── nav toggle (phones) ────────────────────────────────────────────────

  function initNav() {
    var app = doc.querySelector('.app');
    var toggles = doc.querySelectorAll('.nav-toggle');
    if (!app || !toggles.length) return;
    var set = function (open) {
      app.classList.toggle('nav-open', open);
      Array.prototype.forEach.call(toggles, function (t) { t.setAttribute('aria-expanded', open ? 'true' : 'false'); });
    };
    Array.prototype.forEach.call(toggles, function (t) {
      t.addEventListener('click', function (e) {
        e.preventDefault(); // the href="#sidebar" fallback is for no-JS only
        set(!app.classList.contains('nav-open'));
      });
    });
    doc.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && app.classList.contains('nav-open')) set(false);
    });
    doc.addEventListener('click', function (e) {
      if (!app.classList.contains('nav-open')) return;
      if (e.target.closest('.sidebar') || e.target.closest('.nav-toggle')) return;
      set(false);
    });
  }

  // ── flash close buttons ────────────────────────────────────────────────

  function initFlash() {
    doc.addEventListener('click', function (e) {
      var b = e.target.closest ? e.target.closest('.flash-close') : null;
      if (!b) return;
      var f = b.closest('.flash');
      if (f) f.parentNode.removeChild(f);
    });
  }

  // ── data-poll (import progress) ────────────────────────────────────────

  function setText(scope, field, value) {
    var els = scope.querySelectorAll('[data-field="' + field + '"]');
    Array.prototype.forEach.call(els, function (el) { el.textContent = value; });
  }

  function updatePoll(el, st) {
    var done = Number(st.done) || 0;
    var total = Number(st.total) || 0;
    var ratio = total > 0 ? Math.min(1, done / total) : 0;
    Array.prototype.forEach.call(el.querySelectorAll('progress'), function (p) {
      if (total > 0) {
        p.max = total;
        p.value = done;
      } else {
        p.removeAttribute('value'); // indeterminate
      }
      p.textContent = Math.floor(ratio * 100) + '%';
    });
    Array.prototype.forEach.call(el.querySelectorAll('.progress'), function (p) {
      var bar = p.querySelector('.progress-bar');
      if (bar) bar.style.width = (ratio * 100).toFixed(1) + '%';
      p.setAttribute('aria-valuenow', String(Math.floor(ratio * 100)));
    });
    setText(el, 'done', num(done));
    setText(el, 'total', num(total));
    setText(el, 'percent', Math.floor(ratio * 100) + '%');
    if (st.message != null) setText(el, 'message', st.message);
    if (st.state) {
      el.setAttribute('data-state', st.state);
      setText(el, 'state', st.state);
    }
  }

  // finish reloads the page so the server can show the result. If the page
  // that comes back still polls a finished job (a server that keeps
  // rendering data-poll), it does not reload again within a minute, so a
  // mistake cannot turn into a reload loop.
  function finish(url) {
    var key = 'kam.poll.reloaded:' + url;
    var now = Date.now();
    var last = 0;
    try { last = Number(window.sessionStorage.getItem(key)) || 0; } catch (e) { /* storage off */ }
    if (now - last < 60000) return;
    try { window.sessionStorage.setItem(key, String(now)); } catch (e) { /* storage off */ }
    window.location.reload();
  }

  function poll(el) {
    var url = el.getAttribute('data-url');
    var initial = el.getAttribute('data-state');
    if (initial === 'done' || initial === 'failed') return; // rendered finished
    var every = parseInt(el.getAttribute('data-poll'), 10) || 1000;
    var delay = every;
    var tick = function () {
      fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' })
        .then(function (r) {
          if (!r.ok) throw new Error('HTTP ' + r.status);
          return r.json();
        })
        .then(function (st) {
          updatePoll(el, st);
          if (st.state === 'done' || st.state === 'failed') {
            finish(url);
            return;
          }
          delay = every;
          setTimeout(tick, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 10000); // back off while the server is away
          setTimeout(tick, delay);
        });
    };
    setTimeout(tick, every);
  }

  function initPoll() {
    if (typeof fetch === 'undefined') return; // the page has a refresh link
    Array.prototype.forEach.call(doc.querySelectorAll('[data-poll][data-url]'), poll);
  }

  // ── pipeline board (opportunities) ─────────────────────────────────────
  // [data-board]: a card (.opp-card[draggable]) dropped on another column
  // (.board-col[data-stage]) posts its move form with Accept:
  // application/json. A refusal (exit criteria not met, someone else's
  // change) is shown in #board-error and the card stays; a success reloads
  // the page with the answer's flash, since the columns' totals change.
  // Without script, each card's stage select and button post the same form.

  function initBoard() {
    var board = doc.querySelector('[data-board]');
    if (!board || typeof fetch === 'undefined' || typeof URLSearchParams === 'undefined') return;
    var box = doc.getElementById('board-error');
    var dragged = null;
    var show = function (msg) {
      if (!box) return;
      box.textContent = msg;
      box.hidden = !msg;
    };
    var clear = function () {
      Array.prototype.forEach.call(board.querySelectorAll('.drop-target'), function (c) { c.classList.remove('drop-target'); });
    };
    var colOf = function (e) { return e.target.closest ? e.target.closest('.board-col') : null; };
    board.addEventListener('dragstart', function (e) {
      var card = e.target.closest ? e.target.closest('.opp-card') : null;
      if (!card || !card.querySelector('form')) return;
      dragged = card;
      card.classList.add('dragging');
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', card.getAttribute('data-id'));
    });
    board.addEventListener('dragend', function () {
      if (dragged) dragged.classList.remove('dragging');
      dragged = null;
      clear();
    });
    board.addEventListener('dragover', function (e) {
      var col = colOf(e);
      if (!dragged || !col || col.getAttribute('data-stage') === dragged.getAttribute('data-stage')) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      if (!col.classList.contains('drop-target')) {
        clear();
        col.classList.add('drop-target');
      }
    });
    board.addEventListener('drop', function (e) {
      var col = colOf(e);
      var card = dragged;
      if (!card || !col || col.getAttribute('data-stage') === card.getAttribute('data-stage')) return;
      e.preventDefault();
      clear();
      var form = card.querySelector('form');
      var body = new URLSearchParams();
      body.set('to', col.getAttribute('data-stage'));
      body.set('version', card.getAttribute('data-version'));
      show('');
      card.classList.add('moving');
      fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (ans) {
          card.classList.remove('moving');
          if (!ans.ok) {
            show(ans.error || '');
            return;
          }
          var url = new URL(window.location.href);
          url.searchParams.set('flash', ans.flash || 'opportunity_moved');
          window.location.href = url.toString();
        })
        .catch(function () {
          card.classList.remove('moving');
          form.querySelector('select').value = col.getAttribute('data-stage');
          form.submit(); // let the server answer with a page
        });
    });
  }

  // ── select[data-filter-by] (the activity form) ─────────────────────────
  // Offers only the options whose data-account matches the value of the
  // select named by data-filter-by (the opportunities of the chosen account).

  function initFilterBy() {
    Array.prototype.forEach.call(doc.querySelectorAll('select[data-filter-by]'), function (sel) {
      var by = doc.getElementById(sel.getAttribute('data-filter-by'));
      if (!by) return;
      var apply = function () {
        Array.prototype.forEach.call(sel.options, function (o) {
          var acc = o.getAttribute('data-account');
          o.hidden = !!(acc && by.value && acc !== by.value);
        });
        if (sel.selectedOptions.length && sel.selectedOptions[0].hidden) sel.value = '';
      };
      by.addEventListener('change', apply);
      apply();
    });
  }

  onReady(function () {
    initBoard();
    initFilterBy();
    initConfirm();
    initAutosubmit();
    initNav();
    initFlash();
    initPoll();
    initCharts(false);
  });

  // For the self-check page and debugging.
  window.KAM = { charts: charts, kinds: kinds };
})();
