// One routine for every heatmap over the input plane: the decision boundary, and each hidden
// neuron's map (in the diagram and in the plots column). A predict `grid` answer lists its
// R×R points row by row with x2 growing upwards; canvas rows grow downwards.

import { divergingRgb } from "./palette.js";

/** Paint the R×R grid into `canvas` at one pixel per point (CSS or drawImage scales it). */
export function paintGrid(canvas, R, colourAt) {
  if (canvas.width !== R || canvas.height !== R) {
    canvas.width = R;
    canvas.height = R;
  }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(R, R);
  const px = img.data;
  for (let j = 0; j < R; j++) {
    for (let i = 0; i < R; i++) {
      const rgb = colourAt(j * R + i);
      const q = ((R - 1 - j) * R + i) * 4; // x2 grows upwards
      px[q] = rgb[0];
      px[q + 1] = rgb[1];
      px[q + 2] = rgb[2];
      px[q + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/**
 * Neuron j's activation over the grid (`layer.a`, one row per point) as a colour function:
 * centred on 0 when the activation changes sign, else on its mid-range, so a sigmoid neuron
 * (always > 0) still shows where it is high and where low.
 */
export function activationColours(layer, j) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of layer.a) {
    if (a[j] < lo) lo = a[j];
    if (a[j] > hi) hi = a[j];
  }
  const centre = lo < 0 && hi > 0 ? 0 : (lo + hi) / 2;
  const scale = Math.max(Math.abs(hi - centre), Math.abs(lo - centre)) || 1;
  return (p) => divergingRgb(layer.a[p][j] - centre, scale);
}
