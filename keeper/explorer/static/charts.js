"use strict";
// Small SVG charts drawn here: a few lines and bars need no library fetched at run time.
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function node(name, attrs, parent) {
    const element = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attrs || {})) element.setAttribute(key, value);
    if (parent) parent.appendChild(element);
    return element;
  }

  function text(parent, x, y, content, attrs) {
    const element = node("text", { x, y, ...attrs }, parent);
    element.textContent = content;
    return element;
  }

  // Round tick values covering [min, max].
  function ticks(min, max, count) {
    if (!(max > min)) return [min];
    const raw = (max - min) / count;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
    const out = [];
    for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(v);
    return out;
  }

  function frame(container) {
    container.replaceChildren();
    const width = container.clientWidth || 520, height = container.clientHeight || 240;
    const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" }, container);
    return { svg, width, height };
  }

  function empty(svg, width, height, message) {
    text(svg, width / 2, height / 2, message, { "text-anchor": "middle", class: "empty" });
  }

  // series: [{name, color, points: [[x, y], ...], step, dashed}]
  function line(container, { series, xFormat, yFormat, emptyMessage }) {
    const { svg, width, height } = frame(container);
    const all = series.flatMap((s) => s.points);
    if (all.every((p) => !(p[1] > 0))) {
      empty(svg, width, height, emptyMessage || "no data yet");
      return svg;
    }
    const pad = { left: 78, right: 14, top: 24, bottom: 26 };
    let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
    let y1 = Math.max(...all.map((p) => p[1]));
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    if (!(y1 > 0)) y1 = 1;
    const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
    const sy = (y) => height - pad.bottom - (y / y1) * (height - pad.top - pad.bottom);
    for (const v of ticks(0, y1, 4)) {
      node("line", { x1: pad.left, x2: width - pad.right, y1: sy(v), y2: sy(v), class: "grid" }, svg);
      text(svg, pad.left - 6, sy(v) + 4, yFormat(v), { "text-anchor": "end" });
    }
    for (const v of ticks(x0, x1, 4)) text(svg, sx(v), height - 8, xFormat(v), { "text-anchor": "middle" });
    node("line", { x1: pad.left, x2: width - pad.right, y1: sy(0), y2: sy(0), class: "axis" }, svg);
    let legendX = pad.left;
    for (const s of series) {
      if (s.points.length > 0) {
        let d = "";
        s.points.forEach(([x, y], i) => {
          if (i === 0) d += `M${sx(x)},${sy(y)}`;
          else d += s.step ? `H${sx(x)}V${sy(y)}` : `L${sx(x)},${sy(y)}`;
        });
        const path = node("path", { d, fill: "none", stroke: s.color, "stroke-width": 2, "data-series": s.name }, svg);
        if (s.dashed) path.setAttribute("stroke-dasharray", "6 4");
        if (s.points.length === 1) {
          const [x, y] = s.points[0];
          node("circle", { cx: sx(x), cy: sy(y), r: 3.5, fill: s.color }, svg);
        }
      }
      node("rect", { x: legendX, y: 6, width: 10, height: 10, fill: s.color }, svg);
      const label = text(svg, legendX + 14, 15, s.name);
      legendX += 24 + Math.max(60, s.name.length * 6.5);
      label.setAttribute("fill", "currentColor");
    }
    return svg;
  }

  // items: [{label, value, title}] as horizontal bars, largest first.
  function bars(container, { items, valueFormat, color, emptyMessage }) {
    const { svg, width, height } = frame(container);
    if (items.length === 0 || items.every((item) => !(item.value > 0))) {
      empty(svg, width, height, emptyMessage || "no data yet");
      return svg;
    }
    const pad = { left: 110, right: 90, top: 4, bottom: 4 };
    const max = Math.max(...items.map((item) => item.value));
    const rowHeight = (height - pad.top - pad.bottom) / items.length;
    items.forEach((item, i) => {
      const y = pad.top + i * rowHeight;
      const w = (item.value / max) * (width - pad.left - pad.right);
      const bar = node("rect", { x: pad.left, y: y + 1, width: Math.max(1, w), height: Math.max(1, rowHeight - 2), fill: color, "data-label": item.label }, svg);
      const tip = node("title", {}, bar);
      tip.textContent = item.title || item.label;
      text(svg, pad.left - 6, y + rowHeight / 2 + 4, item.label, { "text-anchor": "end" });
      text(svg, pad.left + w + 6, y + rowHeight / 2 + 4, valueFormat(item.value));
    });
    return svg;
  }

  return { line, bars };
})();
