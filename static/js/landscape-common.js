// What the landscape, contour and shares views share: parameter names and keys, colours,
// axis ticks and legend lines.

import { numSpan } from "./format.js";
import { biasName, weightName } from "./names.js";

export const STEP = "#009E73"; // Okabe-Ito green: the update's step
export const LOWEST = "#D55E00"; // Okabe-Ito vermillion: the lowest point

export const isParameter = (t) => Boolean(t) && (t.kind === "edge" || t.kind === "bias");
export const parameterKey = (t) => (t.kind === "edge" ? `W:${t.layer}:${t.j}:${t.i}` : `b:${t.layer}:${t.j}`);
export function targetOfKey(key) {
  const [name, l, j, i] = key.split(":").map((v, k) => (k ? Number(v) : v));
  return name === "W" ? { kind: "edge", layer: l, j, i } : { kind: "bias", layer: l, j };
}
export const refOf = (t) => (t.kind === "edge" ? { layer: t.layer, name: "W", index: [t.j, t.i] } : { layer: t.layer, name: "b", index: [t.j] });
/** The drawing's names (names.js) given the layer `sizes`: w₅, b₃; else w21 of layer 1 (from
 * neuron 1 into neuron 2), b2 of layer 2. */
export function parameterName(t, sizes = null) {
  if (sizes) return t.kind === "bias" ? biasName(sizes, t.layer, t.j) : weightName(sizes, t.layer, t.j, t.i);
  if (t.kind === "bias") return `b${t.j + 1} of layer ${t.layer}`;
  const sep = t.j < 9 && t.i < 9 ? "" : ",";
  return `w${t.j + 1}${sep}${t.i + 1} of layer ${t.layer}`;
}
export const symbolOf = (t) => (t.kind === "edge" ? "w" : "b");
/** w11, b2: the name without its layer, for formulas over two parameters of one layer. */
export const shortName = (t, sizes = null) => parameterName(t, sizes).replace(/ of layer \d+$/, "");
export const samples = (n) => `${n} sample${n === 1 ? "" : "s"}`;

/** Ticks at 1, 2 or 5 × 10ⁿ spacing inside [min, max]: the plots' own. */
export { niceTicks } from "./plot-frame.js";

/** Index of the smallest finite value (the curve's or grid's argmin). */
export function argmin(values) {
  let best = -1;
  values.forEach((v, k) => {
    if (Number.isFinite(v) && (best < 0 || v < values[best])) best = k;
  });
  return best;
}

/** A legend line: a swatch, then text and numbers (numbers carry full precision on hover). */
export function legendItem(list, fact, swatch, parts) {
  const li = document.createElement("li");
  li.dataset.fact = fact;
  const sw = document.createElement("span");
  sw.className = `sw ${swatch.shape}`;
  sw.style.setProperty("--c", swatch.colour);
  li.appendChild(sw);
  const text = document.createElement("span");
  for (const part of parts) text.append(typeof part === "number" ? numSpan(part) : part);
  li.appendChild(text);
  list.appendChild(li);
  return li;
}

/** The largest radius the server draws a landscape over (its schema's limit). */
export const MAX_RADIUS = 1000;
