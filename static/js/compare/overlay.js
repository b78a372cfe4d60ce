// The shared plots of the compare page: every network's loss on one set of axes, and the
// gradient norm of each layer as grouped bars on a log scale.

import { fmt } from "../format.js";
import { layerSlots } from "../names.js";
import { GRID, MUTED } from "../palette.js";
import { niceTicks, polyline, prepare as prepareFrame } from "../plot-frame.js";

const AXIS = "#c9ced8";
const PAD = { l: 48, r: 10, t: 10, b: 24 };

/** The plot frame's canvas sizing (plot-frame.js), in this page's 11 px type. */
function prepare(canvas) {
  const drawn = prepareFrame(canvas);
  drawn.ctx.font = "11px system-ui, sans-serif";
  return drawn;
}

function empty(canvas, text) {
  const { ctx, w, h } = prepare(canvas);
  ctx.fillStyle = MUTED;
  ctx.textAlign = "center";
  ctx.fillText(text, w / 2, h / 2);
  canvas.dataset.state = "empty";
  canvas.dataset.series = "0";
}

/** Horizontal grid lines with labels at `yTicks`; the two axes; an x label. */
function axes(ctx, w, h, yTicks, Y, label) {
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  for (const [v, text] of yTicks) {
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(PAD.l, Y(v));
    ctx.lineTo(w - PAD.r, Y(v));
    ctx.stroke();
    ctx.fillStyle = MUTED;
    ctx.fillText(text, PAD.l - 5, Y(v) + 4);
  }
  ctx.strokeStyle = AXIS;
  ctx.beginPath();
  ctx.moveTo(PAD.l, PAD.t);
  ctx.lineTo(PAD.l, h - PAD.b);
  ctx.lineTo(w - PAD.r, h - PAD.b);
  ctx.stroke();
  if (label) {
    ctx.textAlign = "right";
    ctx.fillStyle = MUTED;
    ctx.fillText(label, w - PAD.r, h - PAD.b - 5);
  }
}

/**
 * Loss curves of every network on one set of axes. `series`: [{key, colour, train: [[x, loss]],
 * val: [[x, loss]]}] (x an epoch or an update step). Train solid, validation dashed.
 */
export function drawLossOverlay(canvas, series, xlabel, { log = false } = {}) {
  const drawn = series.filter((s) => s.train.length || s.val.length);
  if (!drawn.length) return empty(canvas, xlabel === "epoch" ? "Press Epoch or Play to see the loss per epoch" : "Press Step to see the loss of each update");
  const { ctx, w, h } = prepare(canvas);
  const pts = drawn.flatMap((s) => [...s.train, ...s.val]).filter(([, y]) => Number.isFinite(y) && (!log || y > 0));
  const xs = pts.map(([x]) => x);
  const xmin = Math.max(0, Math.min(...xs) - 1);
  const xmax = Math.max(...xs, xmin + 1);
  const X = (x) => PAD.l + ((x - xmin) / (xmax - xmin)) * (w - PAD.l - PAD.r);
  let Y;
  if (log) {
    const lo = Math.floor(Math.log10(Math.min(...pts.map(([, y]) => y))));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...pts.map(([, y]) => y))) + 1e-9));
    Y = (y) => (y > 0 ? h - PAD.b - ((Math.log10(y) - lo) / (hi - lo)) * (h - PAD.t - PAD.b) : NaN);
    const every = Math.ceil((hi - lo + 1) / 6);
    const decades = Array.from({ length: hi - lo + 1 }, (_, k) => lo + k).filter((_, k) => k % every === 0);
    axes(ctx, w, h, decades.map((d) => [10 ** d, `1e${d}`]), Y, "");
  } else {
    const ymax = Math.max(...pts.map(([, y]) => y), 1e-9) * 1.08;
    Y = (y) => h - PAD.b - (y / ymax) * (h - PAD.t - PAD.b);
    axes(ctx, w, h, niceTicks(0, ymax, 4).map((v) => [v, fmt(v)]), Y, "");
  }
  ctx.textAlign = "right";
  ctx.fillStyle = MUTED;
  ctx.fillText(`${xlabel} →`, w - PAD.r - 2, PAD.t + 10);
  ctx.textAlign = "center";
  ctx.fillStyle = MUTED;
  for (const v of niceTicks(xmin, xmax, 5).filter(Number.isInteger)) ctx.fillText(fmt(v), X(v), h - 8);
  const thin = xlabel !== "epoch";
  for (const s of drawn) {
    polyline(ctx, s.train.map(([x, y]) => [X(x), Y(y)]), s.colour, { width: thin ? 1.4 : 2.2 });
    polyline(ctx, s.val.map(([x, y]) => [X(x), Y(y)]), s.colour, { dash: [6, 4], width: 2 });
  }
  canvas.dataset.state = "drawn";
  canvas.dataset.series = String(drawn.length);
}

/**
 * ‖∂L/∂W‖ of each layer, a group of bars per layer with one bar per network, log scale, named
 * as the drawing names them: Hidden 1, …, Output (the output layers side by side however deep
 * each network is). `groups`: [{key, colour, norms: [layer 1, …, L]}]; a zero or missing norm
 * draws no bar.
 */
export function drawGradBars(canvas, groups) {
  const shown = groups.filter((g) => g.norms?.length);
  if (!shown.length) return empty(canvas, "Press Step, Epoch or Play to see each layer's gradient norm");
  const all = shown.flatMap((g) => g.norms).filter((v) => Number.isFinite(v) && v > 0);
  if (!all.length) return empty(canvas, "Every gradient is zero");
  const { ctx, w, h } = prepare(canvas);
  const lo = Math.floor(Math.log10(Math.min(...all)));
  let hi = Math.ceil(Math.log10(Math.max(...all)) + 1e-9);
  if (hi === lo) hi = lo + 1;
  const Y = (v) => h - PAD.b - ((Math.log10(v) - lo) / (hi - lo)) * (h - PAD.t - PAD.b);
  const decades = Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
  const step = Math.ceil(decades.length / 6); // at most ~6 labels
  axes(ctx, w, h, decades.filter((_, k) => k % step === 0).map((d) => [10 ** d, `1e${d}`]), Y, "");
  const slots = layerSlots(shown.map((g) => g.norms.length));
  const slot = (w - PAD.l - PAD.r) / slots.length;
  const bar = Math.min(28, (slot * 0.8) / groups.length);
  for (const [l, { name, at }] of slots.entries()) {
    const left = PAD.l + l * slot + (slot - bar * groups.length) / 2;
    groups.forEach((g, k) => {
      const index = g.norms?.length ? at(g.norms.length) : null; // groups hold every column
      const v = index === null ? undefined : g.norms[index - 1];
      if (!(Number.isFinite(v) && v > 0)) return;
      ctx.fillStyle = g.colour;
      const top = Y(v);
      ctx.fillRect(left + k * bar + 1, top, bar - 2, h - PAD.b - top);
    });
    ctx.fillStyle = MUTED;
    ctx.textAlign = "center";
    ctx.fillText(name, PAD.l + (l + 0.5) * slot, h - 8);
  }
  canvas.dataset.state = "drawn";
  canvas.dataset.series = String(shown.length);
}
