// Indus dashboard: draws the charts whose options the server wrote into
// JSON data blocks (<script type="application/json">, never executed, so
// the Content-Security-Policy needs no inline script), and redraws them
// after htmx swaps a fragment in. Formatters cannot travel in JSON: an
// option value "@name" names one of the formatters below.
(function () {
  'use strict';

  // Okabe–Ito: distinguishable with every common colour-vision deficiency.
  var palette = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#56B4E9', '#CC79A7', '#F0E442', '#000000'];

  function group(n, dec) {
    if (n === null || n === undefined || isNaN(n)) { return '—'; }
    var s = Number(n).toFixed(dec);
    var neg = s.charAt(0) === '-';
    if (neg) { s = s.slice(1); }
    var parts = s.split('.');
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return (neg ? '-' : '') + parts.join('.');
  }

  var formatters = {
    num0: function (v) { return group(v, 0); },
    num1: function (v) { return group(v, 1); },
    num2: function (v) { return group(v, 2); },
    num3: function (v) { return group(v, 3); },
    pct1: function (v) { return group(v, 1) + '%'; },
    // Series labels that show the data value.
    num0v: function (p) { return p ? group(p.value, 0) : ''; },
    num1v: function (p) { return p ? group(p.value, 1) : ''; },
    // Graph and scatter tooltips: the data item's own "tip" text.
    tip: function (p) { return (p && p.data && p.data.tip) ? p.data.tip : (p ? p.name : ''); },
    // Series labels: the data item's name.
    name: function (p) { return p ? p.name : ''; },
    // The last point of a series carries its label only.
    labelEnd: function (p) { return (p && p.data && p.data.label) ? p.data.label : ''; }
  };

  // resolve replaces "@name" strings by formatter functions, in place.
  function resolve(o) {
    if (Array.isArray(o)) { o.forEach(resolve); return; }
    if (!o || typeof o !== 'object') { return; }
    Object.keys(o).forEach(function (k) {
      var v = o[k];
      if (typeof v === 'string' && v.charAt(0) === '@' && formatters[v.slice(1)]) {
        o[k] = formatters[v.slice(1)];
      } else if (v && typeof v === 'object') {
        resolve(v);
      }
    });
  }

  var charts = [];

  function draw(root) {
    if (!window.echarts) { return; }
    var els = (root || document).querySelectorAll('[data-chart]');
    Array.prototype.forEach.call(els, function (el) {
      if (el.getAttribute('data-drawn') === '1') { return; }
      var src = document.getElementById(el.getAttribute('data-chart'));
      if (!src) { return; }
      var opt;
      try { opt = JSON.parse(src.textContent); } catch (e) { el.textContent = 'chart data unreadable'; return; }
      resolve(opt);
      if (!opt.color) { opt.color = palette; }
      if (!opt.textStyle) { opt.textStyle = { fontFamily: getComputedStyle(document.body).fontFamily }; }
      opt.animation = false;
      var chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(opt);
      el.setAttribute('data-drawn', '1');
      charts.push(chart);
    });
  }

  var pending = null;
  window.addEventListener('resize', function () {
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () {
      charts = charts.filter(function (c) { return !c.isDisposed() && document.body.contains(c.getDom()); });
      charts.forEach(function (c) { c.resize(); });
    }, 150);
  });

  function ready() {
    draw(document);
    // State-changing htmx requests carry the session's CSRF token, which
    // the server wrote into the page's head.
    document.body.addEventListener('htmx:configRequest', function (e) {
      var m = document.querySelector('meta[name="csrf-token"]');
      if (m) { e.detail.headers['X-CSRF-Token'] = m.getAttribute('content'); }
    });
    document.body.addEventListener('htmx:afterSettle', function (e) { draw(e.target); });
    // After an htmx swap, put the keyboard focus on the swapped table's
    // caption so screen readers announce the new state.
    document.body.addEventListener('htmx:afterSwap', function (e) {
      var t = e.target && e.target.querySelector && e.target.querySelector('caption');
      if (t && e.target.classList.contains('tbl')) { t.setAttribute('tabindex', '-1'); t.focus({ preventScroll: true }); }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ready);
  } else {
    ready();
  }
})();
