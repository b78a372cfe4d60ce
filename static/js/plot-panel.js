// The plots column, rendered from the state: loss per epoch and per step, gradient norms, boundary or curve.

import { $, drawn, store } from "./context.js";
import { fmt } from "./format.js";
import * as plots from "./plots.js";
import { confusion, drawConfusion } from "./plot-confusion.js";
import { hasUnits, unitRow, unitValue } from "./units.js";
import { renderColourScale } from "./colour-scale.js";
import { renderAccuracy } from "./accuracy.js";
import { drawImagePreview } from "./pictures-view.js";

// A line per layer through every epoch costs the rasterizer a few milliseconds a redraw (at the
// frame's commit, in software): during Play the gradient plot redraws at most four times a
// second, always with the newest history, and at once when Play is not running.
const GRADS_EVERY_MS = 250;
let gradsDrawnAt = -Infinity;
let gradsTimer = 0;

function drawGradNorms(s) {
  clearTimeout(gradsTimer);
  const wait = s.playing ? GRADS_EVERY_MS - (performance.now() - gradsDrawnAt) : 0;
  if (wait > 0) {
    gradsTimer = setTimeout(() => drawGradNorms(drawn(store.get())), wait);
    return;
  }
  gradsDrawnAt = performance.now();
  plots.drawGradNorms($("[data-plot=grads]"), s.history, $("[data-grad-legend]"), s.catalog?.health_thresholds);
}

/** Redraw the plots whose inputs are among the changed `keys`. */
export function renderPlots(s, keys) {
  const mark = s.timelineMark; // {epoch, step} of the timeline point being previewed, or null
  // While a lesson's tour is open its buttons are locked (tour/lock.js): an empty plot says the
  // lesson's steps fill it, not which button to press.
  const tour = s.tourLock;
  if (["history", "timelineMark", "lossLog", "tourLock"].some((k) => keys.has(k))) {
    const empty = tour ? "Epochs the lesson trains show their loss here" : undefined;
    plots.drawLoss($("[data-plot=loss]"), s.history, mark?.epoch ?? null, s.lossLog, empty);
  }
  if (keys.has("network")) {
    // With a penalty the two plots measure different things: the epochs' loss is the data's
    // alone (so training and validation compare), each update's is its batch's plus the penalty.
    const kind = s.network?.regularization?.kind;
    const penalty = kind && kind !== "none" ? `the ${kind.toUpperCase()} penalty` : null;
    const notes = [...(hasUnits(s.network) ? ["standardized units"] : []), ...(penalty ? [`without ${penalty}`] : [])];
    $("[data-loss-plot-units]").textContent = notes.length ? ` (${notes.join("; ")})` : "";
    $("[data-steps-legend]").textContent = penalty ? `loss of each update step: its batch's, plus ${penalty}` : "loss of each update step";
  }
  if (keys.has("history")) {
    drawGradNorms(s);
    const last = s.history[s.history.length - 1];
    // The last epoch's losses, named: the legend wraps, and a line of its own must read alone.
    $("[data-loss-summary]").textContent = last
      ? `epoch ${last.epoch}: train ${fmt(last.train_loss)}${last.val_loss !== null ? `, validation ${fmt(last.val_loss)}` : ""}`
      : "";
    renderAccuracy(s);
  }
  if (["steps", "timelineMark", "lossLog", "tourLock"].some((k) => keys.has(k))) {
    const empty = tour ? "Updates the lesson runs show their loss here" : undefined;
    plots.drawSteps($("[data-plot=steps]"), s.steps, mark?.step ?? null, s.lossLog, empty);
  }
  if (keys.has("grid") || keys.has("data") || keys.has("boundary")) {
    const canvas = $("[data-plot=boundary]");
    const title = $("[data-boundary-title]");
    const maps = $("[data-neuron-maps]");
    const g = s.grid;
    if (!g || !s.data) return;
    const validation = new Set(s.data.val_indices);
    // Standardized targets: the curve and the parity plot are drawn in the data's units.
    const scaled = s.data.task === "regression" && hasUnits(s.network);
    const data = scaled ? { ...s.data, targets: s.data.targets.map((r) => unitRow(r, s.network)) } : s.data;
    canvas.dataset.units = scaled ? "data" : "";
    if (g.kind === "grid") {
      title.textContent = s.data.task === "regression" ? "Prediction over the input plane" : "Decision boundary";
      plots.drawBoundary(canvas, g, s.data, validation, s.boundary);
      renderColourScale($("[data-boundary-scale]"), s.data.task, Number(canvas.dataset.yScale), s.network, s.network.target_names?.[0] ? `ŷ (${s.network.target_names[0]})` : "ŷ");
      plots.drawNeuronMaps(maps, g, s.network.activations);
    } else if (g.kind === "curve") {
      title.textContent = "Fitted curve";
      $("[data-boundary-scale]").replaceChildren();
      plots.drawCurve(canvas, g.xs, scaled ? g.ys.map((v) => unitValue(v, 0, s.network)) : g.ys, data, validation, s.boundary.showValidation);
      maps.replaceChildren();
    } else if (g.kind === "confusion") {
      const held = s.data.val_indices.length > 0;
      const rows = held ? s.data.val_indices : s.data.train_indices;
      const names = s.network.class_names ?? (s.data.targets[0].length === 1 ? ["0", "1"] : s.network.target_names);
      const counts = confusion(g.outputs, s.data.targets, rows, names.length);
      const right = counts.reduce((sum, row, t) => sum + row[t], 0);
      title.textContent = `Confusion matrix, ${held ? "validation" : "training"} rows: ${right} of ${rows.length} right`;
      drawConfusion(canvas, counts, names);
      maps.replaceChildren();
    } else {
      title.textContent = scaled ? "Predicted vs actual, in the data's units" : "Predicted vs actual";
      $("[data-boundary-scale]").replaceChildren();
      plots.drawParity(canvas, scaled ? g.yhat.map((v) => unitValue(v, 0, s.network)) : g.yhat, data);
      maps.replaceChildren();
    }
  }
}

/** Redraw every plot at the new size. */
export function redrawAllPlots(s) {
  renderPlots(s, new Set(["history", "steps", "grid", "network", "timelineMark", "lossLog"]));
  if (s.preview) drawPreview(s.preview);
}

/** The chosen data before a build: pictures of image-like samples (the digits), else a scatter. */
export function drawPreview(data) {
  (data.image_shape ? drawImagePreview : plots.drawScatter)($("[data-preview]"), data);
}
