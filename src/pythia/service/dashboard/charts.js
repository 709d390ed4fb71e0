/* Pythia charts: small SVG line charts with time axes, no dependencies.
 *
 * Used by the dashboard (served as a file) and by the `pythia backtest --report` HTML
 * (inlined into the page), so it must run standalone: no modules, no CSS required (default
 * colours are SVG presentation attributes, which a stylesheet may override), no innerHTML.
 *
 *   PythiaCharts.lineChart(element, [[ts_ns, value], ...], {title: "Equity (USDT)"});
 *   PythiaCharts.lineChart(element, [{name: "equity", points: [...]}, ...], {fill: true});
 *
 * Values may be numbers or decimal strings ("9998.662260"); timestamps are nanoseconds
 * since the epoch (UTC). Points with a timestamp <= 0 are left out.
 */
(function (global) {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var NS_PER_MS = 1e6;
  var PALETTE = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#4d7c0f"];
  var TIME_STEPS_MS = [
    1, 2, 5, 10, 20, 50, 100, 200, 500,
    1e3, 2e3, 5e3, 10e3, 15e3, 30e3,
    60e3, 120e3, 300e3, 600e3, 900e3, 1800e3,
    3600e3, 7200e3, 10800e3, 21600e3, 43200e3,
    86400e3, 172800e3, 604800e3, 2592000e3
  ];

  function el(name, attributes, parent) {
    var node = document.createElementNS(SVG_NS, name);
    var key;
    for (key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key)) {
        node.setAttribute(key, String(attributes[key]));
      }
    }
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function text(parent, x, y, content, attributes) {
    var node = el("text", Object.assign({ x: x, y: y }, attributes || {}), parent);
    node.textContent = content;
    return node;
  }

  function pad2(n) {
    return n < 10 ? "0" + n : String(n);
  }

  /** "HH:MM:SS" (UTC) of a time in nanoseconds; with the date when `withDate`. */
  function formatTime(tsNs, withDate, withMs) {
    var date = new Date(Number(tsNs) / NS_PER_MS);
    if (isNaN(date.getTime())) {
      return "";
    }
    var clock = pad2(date.getUTCHours()) + ":" + pad2(date.getUTCMinutes()) + ":" +
      pad2(date.getUTCSeconds());
    if (withMs) {
      clock += "." + String(date.getUTCMilliseconds() + 1000).slice(1);
    }
    if (!withDate) {
      return clock;
    }
    return date.getUTCFullYear() + "-" + pad2(date.getUTCMonth() + 1) + "-" +
      pad2(date.getUTCDate()) + " " + clock;
  }

  function tickLabel(ms, stepMs, spanMs) {
    var date = new Date(ms);
    var hm = pad2(date.getUTCHours()) + ":" + pad2(date.getUTCMinutes());
    if (stepMs >= 86400e3) {
      return dayLabel(ms);
    }
    if (spanMs > 86400e3) {
      return pad2(date.getUTCMonth() + 1) + "-" + pad2(date.getUTCDate()) + " " + hm;
    }
    if (stepMs < 1000) {
      return pad2(date.getUTCMinutes()) + ":" + pad2(date.getUTCSeconds()) + "." +
        String(date.getUTCMilliseconds() + 1000).slice(1);
    }
    if (stepMs < 60e3) {
      return hm + ":" + pad2(date.getUTCSeconds());
    }
    return hm;
  }

  function dayLabel(ms) {
    var date = new Date(ms);
    return date.getUTCFullYear() + "-" + pad2(date.getUTCMonth() + 1) + "-" +
      pad2(date.getUTCDate());
  }

  /** A readable number: thousands separators, at most `digits` decimals. */
  function formatValue(value, digits) {
    if (value === null || value === undefined || !isFinite(value)) {
      return "";
    }
    var places = digits === undefined ? 2 : digits;
    return Number(value).toLocaleString("en-US", {
      minimumFractionDigits: 0,
      maximumFractionDigits: places
    });
  }

  function niceStep(range, count) {
    var raw = range / Math.max(1, count);
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var fraction = raw / power;
    var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
    return nice * power;
  }

  function decimalsFor(step) {
    var digits = 0;
    while (digits < 8 && Math.abs(Math.round(step * Math.pow(10, digits)) -
      step * Math.pow(10, digits)) > 1e-6) {
      digits += 1;
    }
    return digits;
  }

  function normalise(series, color) {
    var list = series || [];
    var isSingle = list.length === 0 || Array.isArray(list[0]);
    var raw = isSingle ? [{ name: "", points: list, color: color }] : list;
    return raw.map(function (entry, index) {
      var points = [];
      (entry.points || []).forEach(function (point) {
        var ts = Number(point[0]);
        var value = Number(point[1]);
        if (ts > 0 && isFinite(ts) && isFinite(value)) {
          points.push([ts / NS_PER_MS, value]);
        }
      });
      points.sort(function (a, b) { return a[0] - b[0]; });
      return {
        name: entry.name || "",
        points: points,
        color: entry.color || PALETTE[index % PALETTE.length],
        className: entry.className || ""
      };
    });
  }

  /** At most about two points a pixel column: first, min, max and last of each column. */
  function decimate(points, x0, x1, width) {
    if (points.length <= width * 2) {
      return points;
    }
    var out = [];
    var column = -1;
    var bucket = [];
    function flush() {
      if (!bucket.length) {
        return;
      }
      var low = bucket[0];
      var high = bucket[0];
      bucket.forEach(function (p) {
        if (p[1] < low[1]) { low = p; }
        if (p[1] > high[1]) { high = p; }
      });
      var keep = [bucket[0], low, high, bucket[bucket.length - 1]];
      keep.sort(function (a, b) { return a[0] - b[0]; });
      keep.forEach(function (p) {
        if (out[out.length - 1] !== p) { out.push(p); }
      });
      bucket = [];
    }
    var scale = width / Math.max(1, x1 - x0);
    points.forEach(function (p) {
      var c = Math.floor((p[0] - x0) * scale);
      if (c !== column) {
        flush();
        column = c;
      }
      bucket.push(p);
    });
    flush();
    return out;
  }

  /**
   * Draw a line chart into `container` (its content is replaced).
   *
   * series: [[ts_ns, value], ...] or [{name, points, color, className}, ...]
   * options: title, height (px, 220), color (of a single series), fill (area under the first series), step (step line),
   *          digits (value decimals on hover, 2), yDigits (axis), zero (always show 0),
   *          emptyText, ariaLabel.
   * Returns the <svg> element. The chart redraws itself when the container is resized.
   */
  function lineChart(container, series, options) {
    var opts = options || {};
    container.__pythiaChart = { series: series, options: opts };
    if (typeof ResizeObserver !== "undefined" && !container.__pythiaObserver) {
      var lastWidth = container.clientWidth;
      container.__pythiaObserver = new ResizeObserver(function () {
        var width = container.clientWidth;
        if (width && Math.abs(width - lastWidth) > 2 && container.__pythiaChart) {
          lastWidth = width;
          draw(container, container.__pythiaChart.series, container.__pythiaChart.options);
        }
      });
      container.__pythiaObserver.observe(container);
    }
    return draw(container, series, opts);
  }

  function draw(container, series, opts) {
    var lines = normalise(series, opts.color);
    var width = Math.max(240, Math.floor(container.clientWidth || opts.width || 640));
    var height = opts.height || 220;
    var margin = { top: opts.title ? 26 : 10, right: 14, bottom: 38, left: 70 };
    var plotW = width - margin.left - margin.right;
    var plotH = height - margin.top - margin.bottom;

    while (container.firstChild) {
      container.removeChild(container.firstChild);
    }
    var svg = el("svg", {
      "class": "pc-chart",
      width: width,
      height: height,
      viewBox: "0 0 " + width + " " + height,
      role: "img",
      "aria-label": opts.ariaLabel || opts.title || "chart",
      "font-family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
      "font-size": 11
    }, container);
    if (opts.title) {
      text(svg, margin.left, 16, opts.title, {
        "class": "pc-title", "font-size": 12, "font-weight": 600, fill: "#334155"
      });
    }

    var all = [];
    lines.forEach(function (line) { all = all.concat(line.points); });
    if (!all.length) {
      text(svg, width / 2, height / 2, opts.emptyText || "no data yet", {
        "class": "pc-empty", "text-anchor": "middle", fill: "#94a3b8"
      });
      return svg;
    }

    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    all.forEach(function (p) {
      if (p[0] < x0) { x0 = p[0]; }
      if (p[0] > x1) { x1 = p[0]; }
      if (p[1] < y0) { y0 = p[1]; }
      if (p[1] > y1) { y1 = p[1]; }
    });
    if (opts.zero) {
      y0 = Math.min(y0, 0);
      y1 = Math.max(y1, 0);
    }
    if (x1 === x0) {
      x0 -= 1000;
      x1 += 1000;
    }
    if (y1 === y0) {
      var bump = Math.abs(y0) > 0 ? Math.abs(y0) * 1e-4 : 1;
      y0 -= bump;
      y1 += bump;
    }
    var yStep = niceStep(y1 - y0, Math.max(2, Math.floor(plotH / 40)));
    var yLow = Math.floor(y0 / yStep) * yStep;
    var yHigh = Math.ceil(y1 / yStep) * yStep;
    var yDigits = opts.yDigits !== undefined ? opts.yDigits : decimalsFor(yStep);

    function sx(ms) { return margin.left + (ms - x0) / (x1 - x0) * plotW; }
    function sy(v) { return margin.top + (yHigh - v) / (yHigh - yLow) * plotH; }

    var grid = el("g", { "class": "pc-grid", stroke: "#e2e8f0", "stroke-width": 1 }, svg);
    var axis = el("g", { "class": "pc-axis", fill: "#64748b" }, svg);
    var v;
    for (var k = 0; yLow + k * yStep <= yHigh + yStep / 2; k++) {
      v = yLow + k * yStep;
      if (Math.abs(v) < yStep * 1e-6) {
        v = 0; // no "-0" from rounding
      }
      var y = Math.round(sy(v)) + 0.5;
      el("line", { x1: margin.left, x2: margin.left + plotW, y1: y, y2: y }, grid);
      text(axis, margin.left - 6, y + 4, formatValue(v, yDigits), { "text-anchor": "end" });
    }
    if (yLow < 0 && yHigh > 0) {
      var zy = Math.round(sy(0)) + 0.5;
      el("line", {
        "class": "pc-zero", x1: margin.left, x2: margin.left + plotW, y1: zy, y2: zy,
        stroke: "#94a3b8", "stroke-width": 1
      }, svg);
    }
    var spanMs = x1 - x0;
    var wanted = Math.max(2, Math.floor(plotW / 90));
    var stepMs = TIME_STEPS_MS[TIME_STEPS_MS.length - 1];
    for (var i = 0; i < TIME_STEPS_MS.length; i++) {
      if (spanMs / TIME_STEPS_MS[i] <= wanted) {
        stepMs = TIME_STEPS_MS[i];
        break;
      }
    }
    var lastDay = null;
    for (var t = Math.ceil(x0 / stepMs) * stepMs; t <= x1; t += stepMs) {
      var x = Math.round(sx(t)) + 0.5;
      el("line", { x1: x, x2: x, y1: margin.top, y2: margin.top + plotH }, grid);
      text(axis, x, margin.top + plotH + 15, tickLabel(t, stepMs, spanMs), {
        "text-anchor": "middle"
      });
      var day = dayLabel(t);
      if (stepMs < 86400e3 && spanMs <= 86400e3 && day !== lastDay) {
        text(axis, x, margin.top + plotH + 29, day, {
          "class": "pc-date", "text-anchor": "middle", fill: "#94a3b8", "font-size": 10
        });
      }
      lastDay = day;
    }
    el("rect", {
      "class": "pc-frame", x: margin.left + 0.5, y: margin.top + 0.5, width: plotW - 1,
      height: plotH - 1, fill: "none", stroke: "#cbd5e1"
    }, svg);

    lines.forEach(function (line, index) {
      var points = decimate(line.points, x0, x1, plotW);
      if (!points.length) {
        return;
      }
      var d = "";
      points.forEach(function (p, k) {
        var px = sx(p[0]).toFixed(1);
        var py = sy(p[1]).toFixed(1);
        if (k === 0) {
          d += "M" + px + " " + py;
        } else if (opts.step) {
          d += "H" + px + "V" + py;
        } else {
          d += "L" + px + " " + py;
        }
      });
      if (points.length === 1) {
        d += "h1";
      }
      if (opts.fill && index === 0) {
        var base = sy(Math.min(Math.max(0, yLow), yHigh)).toFixed(1);
        el("path", {
          "class": "pc-area pc-series-" + index,
          d: d + "V" + base + "H" + sx(points[0][0]).toFixed(1) + "Z",
          fill: line.color,
          "fill-opacity": 0.12,
          stroke: "none"
        }, svg);
      }
      el("path", {
        "class": "pc-line pc-series-" + index + (line.className ? " " + line.className : ""),
        d: d,
        fill: "none",
        stroke: line.color,
        "stroke-width": 1.6,
        "stroke-linejoin": "round",
        "stroke-linecap": "round"
      }, svg);
    });

    if (lines.length > 1) {
      var legend = el("g", { "class": "pc-legend" }, svg);
      var lx = margin.left + 8;
      lines.forEach(function (line) {
        if (!line.name) { return; }
        el("rect", {
          x: lx, y: margin.top + 6, width: 10, height: 3, fill: line.color
        }, legend);
        var label = text(legend, lx + 14, margin.top + 11, line.name, { fill: "#334155" });
        lx += 24 + 7 * line.name.length;
        return label;
      });
    }

    addHover(svg, lines, {
      margin: margin, plotW: plotW, plotH: plotH, sx: sx, sy: sy, x0: x0, x1: x1,
      digits: opts.digits === undefined ? 2 : opts.digits, width: width
    });
    return svg;
  }

  function nearest(points, ms) {
    var low = 0;
    var high = points.length - 1;
    while (high - low > 1) {
      var mid = (low + high) >> 1;
      if (points[mid][0] < ms) { low = mid; } else { high = mid; }
    }
    if (!points.length) { return null; }
    return Math.abs(points[low][0] - ms) <= Math.abs(points[high][0] - ms) ? points[low] : points[high];
  }

  function addHover(svg, lines, g) {
    var layer = el("g", { "class": "pc-hover", visibility: "hidden", "pointer-events": "none" }, svg);
    var rule = el("line", {
      y1: g.margin.top, y2: g.margin.top + g.plotH, stroke: "#64748b",
      "stroke-dasharray": "3 3"
    }, layer);
    var dots = lines.map(function (line) {
      return el("circle", { r: 3.5, fill: line.color, stroke: "#fff", "stroke-width": 1.5 }, layer);
    });
    var box = el("rect", { rx: 4, fill: "#0f172a", "fill-opacity": 0.88, height: 16 + 14 * lines.length }, layer);
    var labels = [el("text", { fill: "#fff" }, layer)].concat(lines.map(function () {
      return el("text", { fill: "#fff" }, layer);
    }));
    var catcher = el("rect", {
      "class": "pc-catcher", x: g.margin.left, y: g.margin.top, width: g.plotW, height: g.plotH,
      fill: "transparent"
    }, svg);

    function move(event) {
      var bounds = svg.getBoundingClientRect();
      var scaleX = bounds.width ? g.width / bounds.width : 1;
      var mx = (event.clientX - bounds.left) * scaleX;
      var ms = g.x0 + (mx - g.margin.left) / g.plotW * (g.x1 - g.x0);
      var anchor = null;
      lines.forEach(function (line, index) {
        var p = nearest(line.points, ms);
        if (!p) {
          dots[index].setAttribute("visibility", "hidden");
          labels[index + 1].textContent = "";
          return;
        }
        anchor = anchor || p;
        dots[index].setAttribute("visibility", "visible");
        dots[index].setAttribute("cx", g.sx(p[0]));
        dots[index].setAttribute("cy", g.sy(p[1]));
        labels[index + 1].textContent = (line.name ? line.name + ": " : "") +
          formatValue(p[1], g.digits);
      });
      if (!anchor) {
        return;
      }
      var x = g.sx(anchor[0]);
      rule.setAttribute("x1", x);
      rule.setAttribute("x2", x);
      labels[0].textContent = formatTime(anchor[0] * NS_PER_MS, false, true) + " UTC";
      var widest = 0;
      labels.forEach(function (label) {
        widest = Math.max(widest, label.getComputedTextLength ? label.getComputedTextLength() : 80);
      });
      var boxW = widest + 14;
      var bx = x + 10 + boxW > g.margin.left + g.plotW ? x - 10 - boxW : x + 10;
      var by = g.margin.top + 6;
      box.setAttribute("x", bx);
      box.setAttribute("y", by);
      box.setAttribute("width", boxW);
      labels.forEach(function (label, index) {
        label.setAttribute("x", bx + 7);
        label.setAttribute("y", by + 13 + 14 * index);
      });
      layer.setAttribute("visibility", "visible");
    }
    catcher.addEventListener("mousemove", move);
    catcher.addEventListener("mouseleave", function () {
      layer.setAttribute("visibility", "hidden");
    });
  }

  global.PythiaCharts = {
    lineChart: lineChart,
    formatTime: formatTime,
    formatValue: formatValue
  };
})(typeof window !== "undefined" ? window : this);
