// The confusion matrix of a classifier on more than two inputs: how many samples of each true
// class (rows) the network assigns to each class (columns), over the rows given.

import { prepare } from "./plot-frame.js";
import { INK, MUTED, divergingRgb } from "./palette.js";

/** The class a row of outputs (or targets) picks: arg-max, or ≥ 0.5 for one output. */
export const classOf = (row) => (row.length === 1 ? (row[0] >= 0.5 ? 1 : 0) : row.indexOf(Math.max(...row)));

/** Counts[true][predicted] over `rows` (dataset row numbers) of `outputs` and `targets`. */
export function confusion(outputs, targets, rows, k) {
  const counts = Array.from({ length: k }, () => new Array(k).fill(0));
  for (const r of rows) counts[classOf(targets[r])][classOf(outputs[r])] += 1;
  return counts;
}

/** Draw `counts` with the class `names`; each cell shaded by its share of its true class. */
export function drawConfusion(canvas, counts, names) {
  const { ctx, w, h } = prepare(canvas);
  const k = counts.length;
  const short = (s) => (s.length > 12 ? `${s.slice(0, 11)}…` : s);
  ctx.font = "11px system-ui, sans-serif";
  const left = Math.min(w / 3, 6 + Math.max(...names.map((n) => ctx.measureText(short(n)).width)));
  const top = 18;
  const cell = Math.max(8, Math.min((w - left - 6) / k, (h - top - 22) / k));
  ctx.textBaseline = "middle";
  counts.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    ctx.fillStyle = INK;
    ctx.textAlign = "right";
    ctx.fillText(short(names[t]), left - 4, top + (t + 0.5) * cell);
    row.forEach((n, p) => {
      const share = n / total;
      const [r, g, b] = divergingRgb(t === p ? share : -share, 1);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(left + p * cell, top + t * cell, cell - 1, cell - 1);
      if (n && cell >= 14) {
        ctx.fillStyle = share > 0.6 ? "#fff" : INK;
        ctx.textAlign = "center";
        ctx.fillText(String(n), left + (p + 0.5) * cell, top + (t + 0.5) * cell);
      }
    });
  });
  ctx.fillStyle = MUTED;
  ctx.textAlign = "center";
  names.forEach((name, p) => {
    if (cell >= 14 || p % 2 === 0) ctx.fillText(short(name), left + (p + 0.5) * cell, top + k * cell + 10);
  });
  ctx.textAlign = "left";
  ctx.fillText("true class ↓ · predicted →", left, 8);
  canvas.dataset.state = "drawn";
}
