// SVG helpers shared by the drawing and its animations: element creation, scales, interpolation;
// and setText, for any element.

export const NS = "http://www.w3.org/2000/svg";

/** A new SVG element with `attrs`, appended to `parent` when given. */
export function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

/** Replace a text only when it changes: an equal write still makes the page lay out again. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** The largest finite |value| in a list of rows. */
export const maxAbs = (arrays) => {
  let m = 0;
  for (const row of arrays) for (const v of row) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
};

export const lerp = (a, b, t) => a + (b - a) * t;
