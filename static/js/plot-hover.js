// Values on hover for the plots over epochs: pointing at the loss or the gradient-norm plot
// shows the nearest epoch's numbers (the history's, as the server sent them) in a small box.

import { fmt } from "./format.js";
import { layerName } from "./names.js";

/** The entry of `rows` (sorted by epoch) whose epoch is nearest to `epoch`. */
function nearest(rows, epoch) {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].epoch < epoch) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && Math.abs(rows[lo - 1].epoch - epoch) <= Math.abs(rows[lo].epoch - epoch) ? rows[lo - 1] : rows[lo];
}

const percent = (v) => `${fmt(100 * v)} %`;

/** The loss plot's lines for one epoch. */
export function lossLines(e) {
  const lines = [`epoch ${e.epoch}`, `training loss ${fmt(e.train_loss)}`];
  if (e.val_loss !== null) lines.push(`validation loss ${fmt(e.val_loss)}`);
  if (e.train_accuracy !== null) lines.push(`training accuracy ${percent(e.train_accuracy)}`);
  if (e.val_accuracy !== null && e.val_accuracy !== undefined) lines.push(`validation accuracy ${percent(e.val_accuracy)}`);
  return lines;
}

/** The gradient-norm plot's lines for one epoch: each layer's mean ‖∂L/∂W‖ over its updates. */
export function gradLines(e) {
  const n = e.grad_norms.length;
  return [`epoch ${e.epoch} (mean over its updates)`, ...e.grad_norms.map((g, l) => `${layerName(l + 1, n)}: ‖∂L/∂W‖ = ${fmt(g)}`)];
}

/**
 * Show `linesOf(entry)` for the epoch under the pointer on `canvas`; `rowsOf()` gives the
 * history drawn there now. The plot's area and x range are the ones plot-frame.js drew.
 */
export function hoverHistory(canvas, rowsOf, linesOf) {
  const tip = document.createElement("div");
  tip.className = "plot-tip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  document.body.appendChild(tip);
  const hide = () => {
    tip.hidden = true;
    delete canvas.dataset.hoverEpoch;
  };
  canvas.addEventListener("pointermove", (evt) => {
    const area = canvas.plotArea;
    const rows = rowsOf();
    const rect = canvas.getBoundingClientRect();
    const x = evt.clientX - rect.left;
    if (!area || !rows.length || canvas.dataset.state !== "drawn" || x < area.l - 4 || x > area.r + 4) return hide();
    const epoch = area.xmin + ((x - area.l) / (area.r - area.l || 1)) * (area.xmax - area.xmin);
    const entry = nearest(rows, epoch);
    tip.replaceChildren(...linesOf(entry).map((text, k) => Object.assign(document.createElement(k ? "div" : "strong"), { textContent: text })));
    tip.hidden = false;
    const left = Math.min(evt.clientX + 12, window.innerWidth - tip.offsetWidth - 4);
    tip.style.left = `${Math.max(4, left)}px`;
    tip.style.top = `${Math.max(4, evt.clientY - tip.offsetHeight - 10)}px`;
    canvas.dataset.hoverEpoch = String(entry.epoch);
  });
  canvas.addEventListener("pointerleave", hide);
}
