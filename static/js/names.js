// The names the page gives weights and biases, the same on the drawing, in the tooltip, the
// inspector and the lessons: w₁, w₂, … counted layer by layer, and within a layer by the
// neuron they feed, then the input they come from (W[l][j][i] in the API's order); b₁, b₂, …
// counted layer by layer, neuron by neuron. Mazur's worked example numbers them the same way.
// Layers are named as the drawing's columns and the form name them: Input, Hidden 1, Hidden 2,
// …, Output. The API's layer l (1..L: W[l], b[l], grad_norms[l − 1]) is Hidden l, and layer L
// is Output.

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

/** The form's name of layer l of L (1-based): "Hidden 1" … or "Output". */
export const layerName = (l, L) => (l < L ? `Hidden ${l}` : "Output");

/** The drawing's title of column l of L (0: the inputs): "Input", "Hidden 1" … or "Output". */
export const columnName = (l, L) => (l === 0 ? "Input" : layerName(l, L));

/** Neuron j (0-based) of layer l of L in words: "input 1", "neuron 2 of Hidden 1", "output
 * neuron 1" (`output`: the output neuron's label on the drawing, such as "ŷ setosa"). */
export const neuronWords = (l, L, j, output = String(j + 1)) =>
  l === 0 ? `input ${j + 1}` : l === L ? `output neuron ${output}` : `neuron ${j + 1} of ${layerName(l, L)}`;

/** The layers of networks `depths` deep (each one's L) by their names, aligned: Hidden 1 … Hidden H
 * (H: the most hidden layers of any), then Output. Each slot's `at(L)` is its layer's index in a
 * network of L layers (1-based, as the API numbers them), or null where that network has none. */
export function layerSlots(depths) {
  const hidden = Math.max(0, ...depths.map((L) => L - 1));
  const slots = Array.from({ length: hidden }, (_, k) => ({ name: `Hidden ${k + 1}`, at: (L) => (k + 1 < L ? k + 1 : null) }));
  return [...slots, { name: "Output", at: (L) => L }];
}

/** Where weight W[l][j][i] runs: "from input 1 to neuron 2 of Hidden 1". */
export const edgeWords = (l, L, j, i, output = String(j + 1)) => `from ${neuronWords(l - 1, L, i)} to ${neuronWords(l, L, j, output)}`;
