// Marks the part of the page a lesson step is about: a neuron, a weight or bias, a layer, the loss, a
// plot. The mark is a yellow glow, a colour the drawing's code (blue/orange signs, the activations'
// rings, the gradient's purple) never uses; each marked element says in words that the lesson
// points at it, and the tour panel names what is marked (`pointerWords`).

import { store } from "../context.js";
import { biasName, columnName, neuronWords, weightName } from "../names.js";

const PLOTS = { "loss-curve": "loss", "step-losses": "steps", boundary: "boundary", fit: "boundary", "gradient-norms": "grads" };
// A plot's name on the button that scrolls to it (its aria-label describes it at length).
const PLOT_NAMES = { "loss-curve": "the loss curve", "step-losses": "the loss of each step", boundary: "the decision boundary", fit: "the fit", "gradient-norms": "the gradient norms" };
const MARK = "tour-target";
const NOTE = "data-tour-note";

/** What `target` marks, in the page's words: "Hidden 1", "neuron 1 of Hidden 1", "w₁ (from input
 * 1 to neuron 1 of Hidden 1)", "the loss", "the gradient norms"; null for none. */
export function pointerWords(target) {
  if (!target) return null;
  const sizes = store.get().network?.layers;
  const L = sizes ? sizes.length - 1 : null;
  if (target.kind === "layer" && L) return `${columnName(target.layer, L)} (its ${sizes[target.layer]} neurons)`;
  if (target.kind === "neuron" && L) return neuronWords(target.layer, L, target.neuron);
  if (target.kind === "parameter" && L) {
    const [j, i] = target.index;
    if (target.name === "W") return `${weightName(sizes, target.layer, j, i)}, the weight from ${neuronWords(target.layer - 1, L, i)} to ${neuronWords(target.layer, L, j)}`;
    return `${biasName(sizes, target.layer, j)}, the bias of ${neuronWords(target.layer, L, j)}`;
  }
  if (target.kind === "loss") return "the loss readout";
  if (target.kind === "plot") return PLOT_NAMES[target.plot] ?? "the plot";
  if (target.kind === "graph") return target.node ? `the box ${target.node} of the computational graph` : "the computational graph";
  return null;
}

/** The elements `target` names (the drawing's neurons, edges, bias squares; a panel; a plot). */
function elementsOf(target) {
  if (!target) return [];
  const svg = '[data-network]';
  if (target.kind === "neuron") return [...document.querySelectorAll(`${svg} [data-kind=neuron][data-layer="${target.layer}"][data-j="${target.neuron}"]`)];
  if (target.kind === "layer") return [...document.querySelectorAll(`${svg} [data-kind=neuron][data-layer="${target.layer}"]`)];
  if (target.kind === "parameter") {
    const [j, i] = target.index;
    // A weight: its click target and the line drawn under it, which glows.
    const sel = target.name === "W" ? `${svg} [data-kind=edge][data-layer="${target.layer}"][data-j="${j}"][data-i="${i}"], ${svg} [data-edge="${target.layer}-${j}-${i}"]` : `${svg} [data-kind=bias][data-layer="${target.layer}"][data-j="${j}"]`;
    return [...document.querySelectorAll(sel)];
  }
  if (target.kind === "loss") return [...document.querySelectorAll(".readout")];
  if (target.kind === "plot") return [...document.querySelectorAll(`[data-plot="${PLOTS[target.plot]}"]`)];
  if (target.kind === "graph") return [document.querySelector("[data-graph]")];
  return [];
}

/** The drawing's selection for a target the inspector can explain, else null. */
function selectionOf(target) {
  if (target?.kind === "neuron") return { kind: "neuron", layer: target.layer, j: target.neuron };
  if (target?.kind === "parameter") {
    const [j, i] = target.index;
    return target.name === "W" ? { kind: "edge", layer: target.layer, j, i } : { kind: "bias", layer: target.layer, j };
  }
  return null;
}

let current = null;

/** What the step points at, in words, and its first element; null for none or in view. */
export function offscreenTarget() {
  const node = elementsOf(current)[0];
  if (!node) return null;
  const r = node.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) return null; // not drawn (a hidden panel)
  if (r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth) return null;
  const words = { neuron: "the neuron", layer: "the layer", loss: "the loss", parameter: current.name === "W" ? "the weight" : "the bias", graph: "the graph" };
  const name = current.kind === "plot" ? PLOT_NAMES[current.plot] ?? "the plot" : words[current.kind];
  return { node, name };
}

/** Mark `target` (null: nothing); the inspector opens on a neuron, weight or bias. */
export function highlight(target) {
  current = target;
  if (target?.kind === "graph") import("../graph-panel.js"); // else loaded when scrolled to
  mark();
  const selection = selectionOf(target);
  if (selection) store.set({ selection });
}

function mark() {
  for (const node of document.querySelectorAll(`.${MARK}`)) {
    node.classList.remove(MARK);
    node.removeAttribute(NOTE);
    node.removeAttribute("aria-description");
  }
  const note = `The lesson points here: ${pointerWords(current)}`;
  for (const node of elementsOf(current)) {
    node.classList.add(MARK);
    node.setAttribute(NOTE, note);
    node.setAttribute("aria-description", note);
  }
  // A node of the computational graph: the graph panel marks it each time it draws.
  const graph = document.querySelector("[data-graph]");
  if (graph) graph.dataset.tourNode = current?.kind === "graph" && current.node ? current.node : "";
}

// The drawing is rebuilt when the architecture or activations change: mark it again.
store.subscribe((s, keys) => {
  if (current && (keys.has("network") || keys.has("snapshotPreview"))) mark();
});
