// Hand-written canvas plots: loss curves, gradient norms (log scale), decision boundary
// heatmap with per-neuron maps, 1-D fitted curve, and dataset scatter.

import { NEG_CSS, OKABE_ITO, POS_CSS, classBlendRgb, divergingRgb, probabilityRgb, rgbCss } from "./palette.js";
import { fmt } from "./format.js";
import { activationColours, paintGrid } from "./grid-image.js";
import { hideMapZoom, showMapZoom } from "./map-zoom.js";

const INK = "#1d2330";
const MUTED = "#8a93a3";
const GRID = "#eceef2";
const TRAIN = POS_CSS;
const VAL = NEG_CSS;

/** Size the canvas backing store to its CSS box × devicePixelRatio; returns a 2-D context in CSS px. */
function prepare(canvas) {
  if (!canvas.dataset.aspect) canvas.dataset.aspect = String(canvas.height / canvas.width);
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(50, canvas.clientWidth || Number(canvas.getAttribute("width")));
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

function message(canvas, text) {
  const { ctx, w, h } = prepare(canvas);
  ctx.fillStyle = MUTED;
  ctx.font = "12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.fillText(text, w / 2, h / 2);
  canvas.dataset.state = "empty";
}

function niceTicks(min, max, count = 4) {
  const span = max - min || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= step0) || mag * 10;
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-12; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Axes frame; returns mapping functions. opts: {xmin,xmax,ymin,ymax,log,xlabel} */
function frame(ctx, w, h, o) {
  const pad = { l: 44, r: 8, t: 8, b: 20 };
  const X = (x) => pad.l + ((x - o.xmin) / (o.xmax - o.xmin || 1)) * (w - pad.l - pad.r);
  const ty = (y) => (o.log ? Math.log10(y) : y);
  const y0 = ty(o.ymin);
  const y1 = ty(o.ymax);
  const Y = (y) => h - pad.b - ((ty(y) - y0) / (y1 - y0 || 1)) * (h - pad.t - pad.b);
  ctx.font = "10px system-ui, sans-serif";
  ctx.lineWidth = 1;
  ctx.fillStyle = MUTED;
  ctx.strokeStyle = GRID;
  const yt = o.log
    ? Array.from({ length: Math.floor(y1) - Math.ceil(y0) + 1 }, (_, k) => 10 ** (Math.ceil(y0) + k))
    : niceTicks(o.ymin, o.ymax, 3);
  ctx.textAlign = "right";
  for (const v of yt) {
    const y = Y(v);
    ctx.beginPath();
    ctx.moveTo(pad.l, y);
    ctx.lineTo(w - pad.r, y);
    ctx.stroke();
    ctx.fillText(o.log ? `1e${Math.round(Math.log10(v))}` : fmt(v), pad.l - 4, y + 3);
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
  return { X, Y };
}

function polyline(ctx, pts, colour, { dash = [], width = 2 } = {}) {
  const good = pts.filter(([, y]) => Number.isFinite(y));
  if (!good.length) return;
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  good.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
  ctx.stroke();
  ctx.setLineDash([]);
  if (good.length === 1) {
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(good[0][0], good[0][1], 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** The x axis of a per-epoch plot: from the epoch before the first shown to the last. */
function epochAxis(history) {
  const first = history[0].epoch;
  const last = history[history.length - 1].epoch;
  return { xmin: Math.max(0, first - 1), xmax: Math.max(last, first), integerX: true, xlabel: "epoch" };
}

export function drawLoss(canvas, history) {
  if (!history.length) return message(canvas, "Press Epoch or Play to see the loss per epoch");
  const { ctx, w, h } = prepare(canvas);
  const vals = history.flatMap((e) => [e.train_loss, e.val_loss]).filter((v) => Number.isFinite(v));
  const ymax = Math.max(...vals, 1e-9) * 1.08;
  const { X, Y } = frame(ctx, w, h, { ...epochAxis(history), ymin: 0, ymax });
  polyline(ctx, history.map((e) => [X(e.epoch), Y(e.train_loss)]), TRAIN);
  polyline(ctx, history.map((e) => [X(e.epoch), e.val_loss === null ? NaN : Y(e.val_loss)]), VAL, { dash: [5, 3] });
  canvas.dataset.state = "drawn";
  canvas.dataset.points = String(history.length);
}

export function drawSteps(canvas, steps) {
  if (!steps.length) return message(canvas, "Step through a sample to see its loss here");
  const { ctx, w, h } = prepare(canvas);
  const pts = steps.slice(-2000);
  const ymax = Math.max(...pts.map((s) => s.loss).filter(Number.isFinite), 1e-9) * 1.08;
  const { X, Y } = frame(ctx, w, h, { xmin: pts[0].step - 1, xmax: Math.max(pts[pts.length - 1].step, pts[0].step), ymin: 0, ymax, integerX: true, xlabel: "step" });
  polyline(ctx, pts.map((s) => [X(s.step), Y(s.loss)]), "#5d6677", { width: 1.3 });
  canvas.dataset.state = "drawn";
  canvas.dataset.points = String(steps.length);
}

/** Per-layer ‖∂L/∂W‖ over epochs on a log axis; writes a colour key into legendEl. */
export function drawGradNorms(canvas, history, legendEl, thresholds = null) {
  legendEl.replaceChildren();
  if (!history.length || !history[0].grad_norms?.length) return message(canvas, "Gradient norms appear after the first epoch");
  const { ctx, w, h } = prepare(canvas);
  const all = history.flatMap((e) => e.grad_norms).filter((v) => Number.isFinite(v) && v > 0);
  if (!all.length) return message(canvas, "All gradients are zero");
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)) + 1e-9);
  const { X, Y } = frame(ctx, w, h, { ...epochAxis(history), ymin: lo, ymax: hi === lo ? lo * 10 : hi, log: true });
  const n = history[0].grad_norms.length;
  const lastNorms = history[history.length - 1].grad_norms;
  for (let l = 0; l < n; l++) {
    const colour = OKABE_ITO[l % OKABE_ITO.length];
    polyline(ctx, history.map((e) => [X(e.epoch), e.grad_norms[l] > 0 ? Y(e.grad_norms[l]) : NaN]), colour, { width: 1.8 });
    const item = document.createElement("span");
    const sw = document.createElement("span");
    sw.className = "sw";
    sw.style.background = colour;
    // The server's thresholds: a layer's norm relative to the output layer's (last epoch).
    let flag = "";
    const ratio = lastNorms[l] / lastNorms[n - 1];
    if (thresholds && Number.isFinite(ratio) && l < n - 1) {
      if (ratio < thresholds.vanishing_ratio) flag = " (vanishing)";
      else if (ratio > thresholds.exploding_ratio || lastNorms[l] > thresholds.exploding_norm) flag = " (exploding)";
    }
    item.append(sw, document.createTextNode(` layer ${l + 1}${flag} `));
    if (flag) {
      item.style.color = "#b3261e";
      item.dataset.health = flag.trim().slice(1, -1);
    }
    legendEl.appendChild(item);
  }
  canvas.dataset.state = "drawn";
}

function pointColour(target, task) {
  if (task === "multiclass") {
    const k = target.indexOf(Math.max(...target));
    return OKABE_ITO[k % OKABE_ITO.length];
  }
  if (task === "binary") return target[0] > 0.5 ? TRAIN : VAL;
  return null;
}

function drawPoints(ctx, data, X, Y, valSet, yScale, showValidation = true) {
  (data.raw_inputs ?? data.inputs).forEach((x, s) => {
    if (!showValidation && valSet?.has(s)) return;
    const px = X(x[0]);
    const py = Y(x[1]);
    let colour = pointColour(data.targets[s], data.task);
    if (!colour) colour = rgbCss(divergingRgb(data.targets[s][0], yScale));
    ctx.beginPath();
    ctx.arc(px, py, 3.4, 0, 2 * Math.PI);
    if (valSet?.has(s)) {
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.stroke();
    } else {
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  });
}

function gridImage(ctx, grid, colourAt, x0, y0, w, h) {
  const off = paintGrid(document.createElement("canvas"), grid.axes.x1.length, colourAt);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, x0, y0, w, h);
}

/** The output as a decision: 0/1 at 0.5, one-hot at the largest class, ±scale by sign. */
function discrete(o, task, yScale) {
  if (task === "binary") return [o[0] >= 0.5 ? 1 : 0];
  if (task === "multiclass") {
    const k = o.indexOf(Math.max(...o));
    return o.map((_, c) => (c === k ? 1 : 0));
  }
  return [o[0] >= 0 ? yScale : -yScale];
}

/**
 * Output heatmap over the grid, with the data on top (filled = train, ring = validation).
 * `showValidation` false hides the validation points; `discretize` colours the decision only.
 */
export function drawBoundary(canvas, grid, data, valSet, { showValidation = true, discretize = false } = {}) {
  const { ctx, w, h } = prepare(canvas);
  const R = grid.axes.x1.length;
  const task = data.task;
  const yScale = Math.max(1e-9, ...grid.outputs.map((o) => Math.abs(o[0])));
  const soften = (rgb) => rgb.map((c) => Math.round(c + (255 - c) * 0.25)); // points stay visible on top
  const colourAt = (p) => {
    const o = discretize ? discrete(grid.outputs[p], task, yScale) : grid.outputs[p];
    if (task === "multiclass") return soften(classBlendRgb(o));
    if (task === "binary") return soften(probabilityRgb(o[0]));
    return soften(divergingRgb(o[0], yScale));
  };
  gridImage(ctx, grid, colourAt, 0, 0, w, h);
  const x0 = grid.axes.x1[0];
  const x1 = grid.axes.x1[R - 1];
  const y0 = grid.axes.x2[0];
  const y1 = grid.axes.x2[R - 1];
  const X = (x) => ((x - x0) / (x1 - x0)) * w;
  const Y = (y) => h - ((y - y0) / (y1 - y0)) * h;
  drawPoints(ctx, data, X, Y, valSet, yScale, showValidation);
  ctx.fillStyle = "rgba(29,35,48,.7)";
  ctx.font = "10px system-ui, sans-serif";
  ctx.textAlign = "left";
  ctx.fillText(`${data.feature_names?.[0] ?? "x1"} →`, 4, h - 4);
  ctx.save();
  ctx.translate(12, h - 22);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`${data.feature_names?.[1] ?? "x2"} →`, 0, 0);
  ctx.restore();
  canvas.dataset.state = "drawn";
  canvas.dataset.resolution = String(R);
  canvas.dataset.validationShown = String(showValidation);
  canvas.dataset.discretized = String(discretize);
}

/**
 * Small maps of every hidden neuron's activation over the grid. The canvases are kept and
 * repainted while the architecture stays (Play redraws them often).
 */
export function drawNeuronMaps(container, grid, activations) {
  if (!grid?.layers) {
    container.replaceChildren();
    container.dataset.key = "";
    return;
  }
  const hidden = grid.layers.slice(0, -1);
  const key = `${hidden.map((ly) => ly.a[0].length).join("-")}:${activations.join(",")}:${container.clientWidth}`;
  if (container.dataset.key !== key) {
    container.replaceChildren();
    hidden.forEach((layer, k) => {
      const rowEl = document.createElement("div");
      rowEl.className = "map-row";
      const label = document.createElement("span");
      label.textContent = `layer ${layer.index}`;
      rowEl.appendChild(label);
      const n = layer.a[0].length;
      // Every neuron: the maps shrink to 16 px and wrap onto more rows on wide layers.
      const size = Math.max(16, Math.min(30, Math.floor((container.clientWidth - 50) / Math.min(n, 8)) - 3));
      for (let j = 0; j < n; j++) {
        const c = document.createElement("canvas");
        c.style.width = `${size}px`;
        c.style.height = `${size}px`;
        const label = `Hidden layer ${layer.index}, neuron ${j + 1} (${activations[k]}): its activation over the input plane (x1 →, x2 ↑)`;
        c.setAttribute("aria-label", label);
        c.setAttribute("role", "img");
        c.tabIndex = 0; // focus enlarges it, as hover does
        c.dataset.neuronMap = `${layer.index}-${j}`;
        const zoom = () => showMapZoom(c.toDataURL(), label, c.getBoundingClientRect());
        c.addEventListener("mouseenter", zoom);
        c.addEventListener("focus", zoom);
        c.addEventListener("mouseleave", hideMapZoom);
        c.addEventListener("blur", hideMapZoom);
        rowEl.appendChild(c);
      }
      container.appendChild(rowEl);
    });
    container.dataset.key = key;
  }
  const R = grid.axes.x1.length;
  hidden.forEach((layer) => {
    for (let j = 0; j < layer.a[0].length; j++) {
      paintGrid(container.querySelector(`[data-neuron-map="${layer.index}-${j}"]`), R, activationColours(layer, j));
    }
  });
}

/** 1-D regression: data scatter and the network's fitted curve. */
export function drawCurve(canvas, xs, ys, data, valSet, showValidation = true) {
  const { ctx, w, h } = prepare(canvas);
  const dx = data.inputs.map((r) => r[0]);
  const dy = data.targets.map((r) => r[0]);
  const allY = dy.concat(ys.filter(Number.isFinite));
  const ymin = Math.min(...allY);
  const ymax = Math.max(...allY);
  const pad = (ymax - ymin || 1) * 0.08;
  const { X, Y } = frame(ctx, w, h, { xmin: Math.min(...xs), xmax: Math.max(...xs), ymin: ymin - pad, ymax: ymax + pad, xlabel: data.feature_names?.[0] ?? "x" });
  dx.forEach((x, s) => {
    if (!showValidation && valSet?.has(s)) return;
    ctx.beginPath();
    ctx.arc(X(x), Y(dy[s]), 2.8, 0, 2 * Math.PI);
    if (valSet?.has(s)) {
      ctx.strokeStyle = VAL;
      ctx.lineWidth = 1.3;
      ctx.stroke();
    } else {
      ctx.fillStyle = "rgba(33,102,172,.55)";
      ctx.fill();
    }
  });
  polyline(ctx, xs.map((x, k) => [X(x), Y(ys[k])]), INK, { width: 2.2 });
  canvas.dataset.state = "drawn";
}

/** Predicted vs actual (regression with more than two features). */
export function drawParity(canvas, yhat, data) {
  const { ctx, w, h } = prepare(canvas);
  const y = data.targets.map((r) => r[0]);
  const lo = Math.min(...y, ...yhat);
  const hi = Math.max(...y, ...yhat);
  const { X, Y } = frame(ctx, w, h, { xmin: lo, xmax: hi, ymin: lo, ymax: hi, xlabel: "actual y" });
  ctx.strokeStyle = "#c9ced8";
  ctx.beginPath();
  ctx.moveTo(X(lo), Y(lo));
  ctx.lineTo(X(hi), Y(hi));
  ctx.stroke();
  ctx.fillStyle = "rgba(33,102,172,.6)";
  y.forEach((v, s) => {
    ctx.beginPath();
    ctx.arc(X(v), Y(yhat[s]), 2.6, 0, 2 * Math.PI);
    ctx.fill();
  });
  canvas.dataset.state = "drawn";
}

/** Dataset preview: 2-D scatter coloured by class, or x vs y for 1-D regression. */
export function drawScatter(canvas, data) {
  const { ctx, w, h } = prepare(canvas);
  const nf = data.inputs[0]?.length ?? 0;
  if (!data.inputs.length) return message(canvas, "No data");
  if (nf === 1) {
    const xs = data.inputs.map((r) => r[0]);
    const ys = data.targets.map((r) => r[0]);
    const { X, Y } = frame(ctx, w, h, { xmin: Math.min(...xs), xmax: Math.max(...xs), ymin: Math.min(...ys), ymax: Math.max(...ys) });
    ctx.fillStyle = "rgba(33,102,172,.6)";
    xs.forEach((x, s) => {
      ctx.beginPath();
      ctx.arc(X(x), Y(ys[s]), 2.4, 0, 2 * Math.PI);
      ctx.fill();
    });
    return;
  }
  const xs = data.inputs.map((r) => r[0]);
  const ys = data.inputs.map((r) => r[1]);
  const padx = (Math.max(...xs) - Math.min(...xs) || 1) * 0.08;
  const pady = (Math.max(...ys) - Math.min(...ys) || 1) * 0.08;
  const { X, Y } = frame(ctx, w, h, { xmin: Math.min(...xs) - padx, xmax: Math.max(...xs) + padx, ymin: Math.min(...ys) - pady, ymax: Math.max(...ys) + pady });
  const yScale = Math.max(1e-9, ...data.targets.map((t) => Math.abs(t[0])));
  drawPoints(ctx, data, X, Y, null, yScale);
  if (nf > 2) {
    ctx.fillStyle = MUTED;
    ctx.textAlign = "right";
    ctx.fillText(`first 2 of ${nf} features`, w - 8, 14);
  }
}
