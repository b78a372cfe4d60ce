// The names the page gives weights and biases, the same on the drawing, in the tooltip, the
// inspector and the lessons: w₁, w₂, … counted layer by layer, and within a layer by the
// neuron they feed, then the input they come from (W[l][j][i] in the API's order); b₁, b₂, …
// counted layer by layer, neuron by neuron. Mazur's worked example numbers them the same way.
// Layers are named as the form names them: Hidden 1, Hidden 2, …, Output.

const SUB = "₀₁₂₃₄₅₆₇₈₉";

/** 12 → "₁₂". */
export const subscript = (n) => String(n).replace(/\d/g, (d) => SUB[Number(d)]);

/** The name of weight W[layer][j][i] (`layer` 1..L) in a network of layer sizes `sizes`. */
export function weightName(sizes, layer, j, i) {
  let before = 0;
  for (let l = 1; l < layer; l++) before += sizes[l] * sizes[l - 1];
  return `w${subscript(before + j * sizes[layer - 1] + i + 1)}`;
}

/** The name of bias b[layer][j]. */
export function biasName(sizes, layer, j) {
  let before = 0;
  for (let l = 1; l < layer; l++) before += sizes[l];
  return `b${subscript(before + j + 1)}`;
}

/** "hidden layer 2", "the output layer", "the input layer". */
export const layerWords = (l, L) => (l === 0 ? "the input layer" : l === L ? "the output layer" : `hidden layer ${l}`);

/** The form's name of layer l of L (1-based): "Hidden 1" … or "Output". */
export const layerName = (l, L) => (l < L ? `Hidden ${l}` : "Output");
