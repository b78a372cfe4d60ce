// Regression plots: the fitted curve over one input, and predicted against actual for more.

import { INK } from "./palette.js";
import { VAL, frame, polyline, prepare } from "./plot-frame.js";

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
