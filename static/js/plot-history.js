// Plots over training time: the loss per epoch (train and validation) with, for a
// classification, the accuracy on a right-hand axis, the loss of each update step, and each
// layer's gradient norm ‖∂L/∂W‖ on a log axis.

import { MUTED, OKABE_ITO } from "./palette.js";
import { TRAIN, VAL, frame, message, polyline, prepare } from "./plot-frame.js";
import { layerName } from "./names.js";

/** The x axis of a per-epoch plot: from the epoch before the first shown to the last. */
function epochAxis(history) {
  const first = history[0].epoch;
  const last = history[history.length - 1].epoch;
  return { xmin: Math.max(0, first - 1), xmax: Math.max(last, first), integerX: true, xlabel: "epoch" };
}

/** A dashed vertical line at x (the timeline point being previewed), when it is on the axis. */
function markAt(ctx, X, h, x, lo, hi) {
  if (x === null || x === undefined || x < lo || x > hi) return;
  ctx.strokeStyle = VAL;
  ctx.lineWidth = 1.5;
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  ctx.moveTo(X(x), 8);
  ctx.lineTo(X(x), h - 20);
  ctx.stroke();
  ctx.setLineDash([]);
}

/** `markEpoch`: where a timeline preview is, in epochs (fractional inside an epoch), or null. */
/** The y range of a loss plot: from 0 on a linear axis; whole decades on a log one. */
function lossRange(values, log) {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  if (!log) return { ymin: 0, ymax: Math.max(...finite, 1e-9) * 1.08 };
  const lo = Math.floor(Math.log10(Math.min(...finite, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...finite, 1e-9)) + 1e-9);
  return { ymin: 10 ** lo, ymax: 10 ** Math.max(hi, lo + 1), log: true };
}

/** Accuracy 0–100 % on the right of the plot area `box`, its lines thin and dotted; the
 * epochs where the training accuracy is 100 % get a dot each (up to 200 of them). */
function drawAccuracy(ctx, X, box, history) {
  const A = (v) => box.b - v * (box.b - box.t);
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = MUTED;
  ctx.textAlign = "left";
  for (const v of [0, 0.5, 1]) ctx.fillText(`${100 * v} %`, box.r + 4, A(v) + 4);
  const y = (v) => (v === null ? NaN : A(v));
  polyline(ctx, history.map((e) => [X(e.epoch), y(e.train_accuracy)]), TRAIN, { dash: [2, 2], width: 1.4 });
  polyline(ctx, history.map((e) => [X(e.epoch), y(e.val_accuracy)]), VAL, { dash: [2, 2], width: 1.4 });
  const full = history.filter((e) => e.train_accuracy === 1);
  if (full.length <= 200) {
    ctx.fillStyle = TRAIN;
    for (const e of full) {
      ctx.beginPath();
      ctx.arc(X(e.epoch), A(1), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  return full.map((e) => e.epoch);
}

/** `empty`: what an empty plot says (the page's own words unless a lesson's tour runs the network). */
export function drawLoss(canvas, history, markEpoch = null, log = false, empty = "Press Epoch or Play to see the loss per epoch") {
  if (!history.length) return message(canvas, empty);
  const { ctx, w, h } = prepare(canvas);
  const vals = history.flatMap((e) => [e.train_loss, e.val_loss]);
  const axis = epochAxis(history);
  const accuracy = history.some((e) => e.train_accuracy !== null);
  const { X, Y, box } = frame(ctx, w, h, { ...axis, ...lossRange(vals, log), padRight: accuracy ? 36 : 8 });
  markAt(ctx, X, h, markEpoch, axis.xmin, axis.xmax);
  const y = (v) => (v === null || (log && !(v > 0)) ? NaN : Y(v));
  polyline(ctx, history.map((e) => [X(e.epoch), y(e.train_loss)]), TRAIN);
  polyline(ctx, history.map((e) => [X(e.epoch), y(e.val_loss)]), VAL, { dash: [5, 3] });
  const full = accuracy ? drawAccuracy(ctx, X, box, history) : [];
  canvas.dataset.accuracyDrawn = accuracy ? "true" : "";
  canvas.dataset.fullAccuracy = full.slice(0, 50).join(",");
  canvas.dataset.state = "drawn";
  canvas.dataset.points = String(history.length);
  canvas.dataset.mark = markEpoch === null ? "" : String(markEpoch);
  canvas.dataset.scale = log ? "log" : "linear";
}

/** `markStep`: the update a timeline preview is at, or null. */
export function drawSteps(canvas, steps, markStep = null, log = false, empty = "Step through a sample to see its loss here") {
  if (!steps.length) return message(canvas, empty);
  const { ctx, w, h } = prepare(canvas);
  const pts = steps.slice(-2000);
  const axis = { xmin: pts[0].step - 1, xmax: Math.max(pts[pts.length - 1].step, pts[0].step) };
  const { X, Y } = frame(ctx, w, h, { ...axis, ...lossRange(pts.map((s) => s.loss), log), integerX: true, xlabel: "step" });
  markAt(ctx, X, h, markStep, axis.xmin, axis.xmax);
  polyline(ctx, pts.map((s) => [X(s.step), log && !(s.loss > 0) ? NaN : Y(s.loss)]), "#5d6677", { width: 1.3 });
  canvas.dataset.state = "drawn";
  canvas.dataset.scale = log ? "log" : "linear";
  canvas.dataset.points = String(steps.length);
  canvas.dataset.mark = markStep === null ? "" : String(markStep);
}

/** Per-layer ‖∂L/∂W‖ over epochs on a log axis; writes a colour key into legendEl. */
export function drawGradNorms(canvas, history, legendEl, thresholds = null) {
  if (!history.length || !history[0].grad_norms?.length) {
    writeLegend(legendEl, []);
    return message(canvas, "Gradient norms appear after the first epoch");
  }
  const { ctx, w, h } = prepare(canvas);
  const all = history.flatMap((e) => e.grad_norms).filter((v) => Number.isFinite(v) && v > 0);
  if (!all.length) {
    writeLegend(legendEl, []);
    return message(canvas, "All gradients are zero");
  }
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)) + 1e-9);
  const { X, Y } = frame(ctx, w, h, { ...epochAxis(history), ymin: lo, ymax: hi === lo ? lo * 10 : hi, log: true });
  const n = history[0].grad_norms.length;
  const lastNorms = history[history.length - 1].grad_norms;
  const keys = [];
  // A line through more epochs than a third of the plot's pixels is a dense zigzag: drawn 1 px
  // wide it stays legible where lines cross, and the software rasterizer draws one-pixel lines
  // about five times faster than wider ones (9 wider lines through 900 epochs: 10–12 ms).
  const width = history.length > w / 3 ? 1 : 1.8;
  for (let l = 0; l < n; l++) {
    const colour = OKABE_ITO[l % OKABE_ITO.length];
    polyline(ctx, history.map((e) => [X(e.epoch), e.grad_norms[l] > 0 ? Y(e.grad_norms[l]) : NaN]), colour, { width });
    // The server's thresholds: a layer's norm relative to the output layer's (last epoch).
    let flag = "";
    const ratio = lastNorms[l] / lastNorms[n - 1];
    if (thresholds && Number.isFinite(ratio) && l < n - 1) {
      if (ratio < thresholds.vanishing_ratio) flag = " (vanishing)";
      else if (ratio > thresholds.exploding_ratio || lastNorms[l] > thresholds.exploding_norm) flag = " (exploding)";
    }
    keys.push({ colour, text: ` ${layerName(l + 1, n)}${flag} `, flag });
  }
  writeLegend(legendEl, keys);
  canvas.dataset.state = "drawn";
}

/**
 * The colour key, one item per layer; rebuilt only when an item changes (Play redraws the
 * plot ten times a second, and new elements make the page lay out again).
 */
function writeLegend(legendEl, keys) {
  const written = keys.map((k) => `${k.colour}${k.text}`).join("|");
  if (legendEl.dataset.written === written && legendEl.childElementCount === keys.length) return;
  legendEl.dataset.written = written;
  legendEl.replaceChildren(
    ...keys.map(({ colour, text, flag }) => {
      const item = document.createElement("span");
      const sw = document.createElement("span");
      sw.className = "sw";
      sw.style.background = colour;
      item.append(sw, document.createTextNode(text));
      if (flag) {
        item.style.color = "#b3261e";
        item.dataset.health = flag.trim().slice(1, -1);
      }
      return item;
    }),
  );
}
