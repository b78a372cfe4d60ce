// What every canvas plot shares: colours, a canvas sized to its CSS box, a message in place of
// a plot, nice axis ticks, an axes frame with mapping functions, and a polyline.

import { GRID, MUTED, NEG_CSS, POS_CSS } from "./palette.js";
import { fmt } from "./format.js";

export const TRAIN = POS_CSS;
export const VAL = NEG_CSS;

// The CSS width of each plot, kept by a ResizeObserver: reading clientWidth on every redraw
// forced a synchronous layout per plot per frame during Play (the plots redraw as epochs land).
const widths = new WeakMap();
const observer = typeof ResizeObserver === "function"
  ? new ResizeObserver((entries) => entries.forEach((e) => widths.set(e.target, e.contentRect.width)))
  : null;

/** An element's CSS content width, measured once and then kept up to date by the observer. */
export function cssWidth(node) {
  if (!observer) return node.clientWidth;
  if (!widths.has(node)) {
    widths.set(node, node.clientWidth);
    observer.observe(node);
  }
  return widths.get(node);
}

/** Size the canvas backing store to its CSS box × devicePixelRatio; returns a 2-D context in CSS px. */
export function prepare(canvas) {
  if (!canvas.dataset.aspect) canvas.dataset.aspect = String(canvas.height / canvas.width);
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(50, cssWidth(canvas) || Number(canvas.getAttribute("width")));
  const h = Math.round(w * Number(canvas.dataset.aspect));
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  return { ctx, w, h };
}

export function message(canvas, text) {
  const { ctx, w, h } = prepare(canvas);
  ctx.fillStyle = MUTED;
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText(text, w / 2, h / 2);
  canvas.dataset.state = "empty";
  canvas.dataset.message = text; // its words: a canvas holds them as pixels only
}

export function niceTicks(min, max, count = 4) {
  const span = max - min || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= step0) || mag * 10;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-12; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const SUPER = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
/** 10⁻² for a power of ten. */
export const powerOfTen = (e) => `10${String(e).replace(/./g, (c) => SUPER[c] ?? c)}`;

/** Decades e (10^e) from `lo` to `hi` (log10 values) for tick labels: at most `most`, every
 * k-th decade when there are more, so the labels never crowd. */
export function logTicks(lo, hi, most = 7) {
  const first = Math.ceil(lo - 1e-9);
  const last = Math.floor(hi + 1e-9);
  const every = Math.max(1, Math.ceil((last - first + 1) / most));
  const out = [];
  for (let e = Math.ceil(first / every) * every; e <= last; e += every) out.push(e);
  return out;
}

/** Axes frame; returns mapping functions and the plot area. opts: {xmin,xmax,ymin,ymax,log,xlabel,padRight} */
export function frame(ctx, w, h, o) {
  const pad = { l: 46, r: o.padRight ?? 8, t: 8, b: 20 };
  const X = (x) => pad.l + ((x - o.xmin) / (o.xmax - o.xmin || 1)) * (w - pad.l - pad.r);
  const ty = (y) => (o.log ? Math.log10(y) : y);
  const y0 = ty(o.ymin);
  const y1 = ty(o.ymax);
  const Y = (y) => h - pad.b - ((ty(y) - y0) / (y1 - y0 || 1)) * (h - pad.t - pad.b);
  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  ctx.fillStyle = MUTED;
  ctx.strokeStyle = GRID;
  const yt = o.log ? logTicks(y0, y1).map((e) => 10 ** e) : niceTicks(o.ymin, o.ymax, 3);
  ctx.canvas.dataset.yTicks = String(yt.length); // how many labels the y axis wrote (tests read it)
  ctx.textAlign = "right";
  for (const v of yt) {
    const y = Y(v);
    ctx.beginPath();
    ctx.moveTo(pad.l, y);
    ctx.lineTo(w - pad.r, y);
    ctx.stroke();
    ctx.fillText(o.log ? powerOfTen(Math.round(Math.log10(v))) : fmt(v), pad.l - 4, y + 4);
  }
  ctx.textAlign = "center";
  for (const v of niceTicks(o.xmin, o.xmax, 4)) {
    if (o.integerX && !Number.isInteger(v)) continue;
    ctx.fillText(fmt(v), X(v), h - 6);
  }
  ctx.strokeStyle = "#c9ced8";
  ctx.beginPath();
  ctx.moveTo(pad.l, pad.t);
  ctx.lineTo(pad.l, h - pad.b);
  ctx.lineTo(w - pad.r, h - pad.b);
  ctx.stroke();
  if (o.xlabel) {
    ctx.textAlign = "right";
    ctx.fillText(o.xlabel, w - pad.r, h - pad.b - 4);
  }
  // Where the plot area is, for a second axis and for pointing at a point (plot-hover.js).
  ctx.canvas.plotArea = { l: pad.l, r: w - pad.r, t: pad.t, b: h - pad.b, xmin: o.xmin, xmax: o.xmax };
  return { X, Y, box: ctx.canvas.plotArea };
}

/**
 * The points a line through `pts` needs at one point per pixel column: in each column its
 * first and last point and, between them in their order, the lowest and the highest. The line
 * drawn through them covers the same pixels as the line through all the points; a long
 * history (thousands of epochs in a 500 px plot) then costs the rasterizer hundreds of
 * segments, not thousands.
 */
export function thinToColumns(pts) {
  if (pts.length < 4) return pts;
  const out = [];
  let column = [];
  const flush = () => {
    if (column.length <= 4) {
      out.push(...column);
      return;
    }
    let lo = 1;
    let hi = 1;
    for (let k = 2; k < column.length - 1; k++) {
      if (column[k][1] < column[lo][1]) lo = k;
      if (column[k][1] > column[hi][1]) hi = k;
    }
    const extremes = [...new Set([lo, hi])].sort((a, b) => a - b).map((k) => column[k]); // in their order
    out.push(column[0], ...extremes, column[column.length - 1]);
  };
  for (const p of pts) {
    if (column.length && Math.floor(p[0]) !== Math.floor(column[0][0])) {
      flush();
      column = [];
    }
    column.push(p);
  }
  flush();
  return out;
}

export function polyline(ctx, pts, colour, { dash = [], width = 2 } = {}) {
  const good = pts.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (!good.length) return;
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  thinToColumns(good).forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.stroke();
  ctx.setLineDash([]);
  if (good.length === 1) {
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(good[0][0], good[0][1], 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}
