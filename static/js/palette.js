// Colour-blind-safe colours: a blue/orange diverging scale for signs, Okabe-Ito for categories.

// The page's greys, as app.css's --ink and --muted: text, secondary text (axis ticks, labels,
// messages in place of a plot) and grid lines.
export const INK = "#1d2330";
export const MUTED = "#5d6677";
export const GRID = "#eceef2";

const POS = [33, 102, 172]; // #2166ac
const NEG = [230, 97, 1]; // #e66101
const WHITE = [255, 255, 255];

export const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
/** The compare page's columns A–D: Okabe-Ito green and reddish purple, ink, Tol's olive —
 * none the blue or orange of the classes in their decision boundaries. */
export const COLUMN_COLOURS = ["#009E73", "#CC79A7", "#1d2330", "#999933"];

const ACTIVATION_COLOURS = {
  linear: "#8a8f99",
  sigmoid: "#009E73",
  tanh: "#CC79A7",
  relu: "#E69F00",
  leaky_relu: "#D55E00",
  softmax: "#56B4E9",
  input: "#1d2330",
};

export const activationColour = (name) => ACTIVATION_COLOURS[name] || "#8a8f99";

const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
const css = (rgb) => `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
export const POS_CSS = css(POS);
export const NEG_CSS = css(NEG);
/** Gradient pulses, glows and key: a reddish purple, distinct from the sign pair. */
export const GRAD = "#9b4f96";

/** Diverging colour for value v given the scale's magnitude (t = |v|/scale, clamped). */
export function divergingRgb(v, scale = 1) {
  if (!Number.isFinite(v)) return [128, 128, 128];
  const t = Math.min(1, Math.abs(v) / (scale || 1));
  return mix(WHITE, v >= 0 ? POS : NEG, t);
}
export const diverging = (v, scale = 1) => css(divergingRgb(v, scale));
export const signColour = (v) => (v >= 0 ? POS_CSS : NEG_CSS);

/** Colour for a probability p in [0, 1]: orange (class 0) … white … blue (class 1). */
export const probabilityRgb = (p) => divergingRgb(2 * p - 1, 1);

function hexRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Blend the class colours by probabilities (multiclass heatmaps). */
export function classBlendRgb(probs) {
  const out = [0, 0, 0];
  probs.forEach((p, k) => {
    const c = hexRgb(OKABE_ITO[k % OKABE_ITO.length]);
    for (let i = 0; i < 3; i++) out[i] += p * c[i];
  });
  const max = Math.max(...probs);
  // Fade towards white where the network is unsure.
  return mix(WHITE, out.map(Math.round), Math.max(0, Math.min(1, (max - 1 / probs.length) * 1.6)));
}

export const rgbCss = css;
