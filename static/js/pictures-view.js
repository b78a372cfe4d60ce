// Pictures for image-like inputs (the digits' 8×8): each first-layer neuron's incoming weights
// laid out over the picture they multiply, and the sample in the step as its image. It never
// computes a derivative: weights, activations and outputs are the API's numbers.

import { fmt } from "./format.js";
import { divergingRgb } from "./palette.js";

const MAX_NEURONS = 64; // pictures drawn per layer; the rest are named, not drawn

/** Paint `values` (row by row, rows × cols) into `canvas`, one pixel each; CSS scales it up. */
function paint(canvas, [rows, cols], colourOf) {
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(cols, rows);
  for (let p = 0; p < rows * cols; p++) {
    const [r, g, b] = colourOf(p);
    img.data.set([r, g, b, 255], p * 4);
  }
  ctx.putImageData(img, 0, 0);
}

/** Ink on paper: 0 white … 1 black (the digits' pixels are divided by 16 into [0, 1]). */
const ink = (v) => {
  const t = Math.round(255 * (1 - Math.min(1, Math.max(0, v))));
  return [t, t, t];
};

/** The first few samples of image-like data as small pictures, in place of the scatter preview. */
export function drawImagePreview(canvas, data) {
  const [rows, cols] = data.image_shape;
  const ctx = canvas.getContext("2d");
  const across = 10;
  const cell = Math.floor(canvas.width / across);
  const down = Math.min(Math.floor(canvas.height / cell), Math.ceil(data.inputs.length / across));
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = false;
  const one = document.createElement("canvas");
  for (let k = 0; k < Math.min(across * down, data.inputs.length); k++) {
    paint(one, [rows, cols], (p) => ink(data.inputs[k][p]));
    const x = (k % across) * cell;
    const y = Math.floor(k / across) * cell;
    ctx.drawImage(one, x + 1, y + 1, cell - 2, cell - 2);
  }
  canvas.setAttribute("aria-label", `The first ${Math.min(across * down, data.inputs.length)} samples as ${rows}×${cols} pictures`);
}

function labelOf(row, names) {
  if (!row || !names) return null;
  if (row.length === 1) return names[row[0] >= 0.5 ? 1 : 0];
  return names[row.indexOf(Math.max(...row))];
}

export function createPicturesView(section, { onSelect }) {
  const title = document.createElement("h2");
  title.id = "pictures-title";
  const hint = document.createElement("p");
  hint.className = "hint";
  const sample = document.createElement("figure");
  sample.className = "pictures-sample";
  const sampleCanvas = document.createElement("canvas");
  const sampleCaption = document.createElement("figcaption");
  sample.append(sampleCanvas, sampleCaption);
  const grid = document.createElement("div");
  grid.className = "pictures-grid";
  grid.setAttribute("role", "list");
  const more = document.createElement("p");
  more.className = "hint";
  section.replaceChildren(title, hint, sample, grid, more);

  function cellFor(j, layerSize) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "picture";
    button.dataset.neuron = String(j);
    button.setAttribute("role", "listitem");
    const canvas = document.createElement("canvas");
    const name = document.createElement("span");
    const value = document.createElement("span");
    value.className = "value";
    button.append(canvas, name, value);
    button.addEventListener("click", () => onSelect({ kind: "neuron", layer: 1, j }));
    button.title = `Open neuron ${j + 1} of ${layerSize} in the inspector`;
    return button;
  }

  function render(s) {
    const net = s.network;
    const shape = net?.image_shape;
    section.hidden = !shape;
    if (!shape) return;
    const W = net.parameters.weights[0]; // (n_1, rows·cols): row j is neuron j's incoming weights
    const n1 = W.length;
    const isOutput = net.layers.length === 2;
    const names = isOutput ? net.target_names : null;
    const forward = s.trace?.forward;
    const a1 = forward?.layers?.[0]?.a?.[0] ?? null;
    const idx = forward ? (forward.indices?.[0] ?? null) : (net.cursor?.next_indices?.[0] ?? null);
    const pixels = forward ? forward.inputs[0] : idx !== null ? s.data?.inputs?.[idx] : null;

    let max = 0;
    for (const row of W) for (const w of row) max = Math.max(max, Math.abs(w));
    title.textContent = isOutput
      ? "Pictures: what each output neuron looks for"
      : "Pictures: what each neuron of Hidden 1 looks for";
    hint.textContent =
      `Each square is one neuron's ${shape[0] * shape[1]} incoming weights, laid out over the ${shape[0]}×${shape[1]} picture they multiply: ` +
      `blue where w > 0 (ink there raises the neuron's z), orange where w < 0 (ink there lowers it), white near 0; ` +
      `the strongest colour is |w| = ${fmt(max)}, the layer's largest.` +
      (a1 ? " Under each square, the neuron's activation a on the sample shown." : "");

    if (pixels) {
      paint(sampleCanvas, shape, (p) => ink(pixels[p]));
      const target = idx !== null ? labelOf(s.data?.targets?.[idx], net.class_names) : null;
      const output = forward?.output?.[0];
      const said = output && net.class_names ? labelOf(output, net.class_names) : null;
      const yhat = output ? (output.length === 1 ? Math.max(output[0], 1 - output[0]) : Math.max(...output)) : null;
      sampleCaption.textContent =
        (forward ? (idx !== null ? `This step's sample #${idx}` : "This step's input") : `Next sample #${idx}`) +
        (target !== null ? `: a ${target}` : "") +
        (said !== null ? `; the network says ${said}, with ŷ = ${fmt(yhat)}` : "");
      sample.hidden = false;
    } else {
      sample.hidden = true;
    }

    const shown = Math.min(n1, MAX_NEURONS);
    if (grid.children.length !== shown || grid.dataset.net !== net.id) {
      grid.replaceChildren(...Array.from({ length: shown }, (_, j) => cellFor(j, n1)));
      grid.dataset.net = net.id;
    }
    for (let j = 0; j < shown; j++) {
      const button = grid.children[j];
      paint(button.querySelector("canvas"), shape, (p) => divergingRgb(W[j][p], max));
      const name = names ? names[j] : `neuron ${j + 1}`;
      const [label, value] = button.querySelectorAll("span");
      label.textContent = name;
      value.textContent = a1 ? `a = ${fmt(a1[j])}` : "";
      button.setAttribute("aria-label", `${name}: incoming weights as a picture${a1 ? `, a = ${fmt(a1[j])}` : ""}`);
      button.classList.toggle("selected", s.selection?.kind === "neuron" && s.selection.layer === 1 && s.selection.j === j);
    }
    more.textContent = n1 > shown ? `The first ${shown} of ${n1} neurons are drawn.` : "";
  }

  return { render };
}
