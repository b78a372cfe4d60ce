// Draws the computational graph of one sample as micrograd does: a box per value with its
// data and grad, a small op node in front of each computed value, edges from the operands.
// Every number is the server's (POST …/graph); like the inspector, it never computes a
// derivative.

import { fmt, full } from "./format.js";
import { GRAD, activationColour } from "./palette.js";
import { el } from "./svg.js";
import { layoutGraph } from "./graph-layout.js";
import { layerName } from "./names.js";

const BOX_W = 104;
const BOX_H = 46;
const COL = 150; // column pitch: a box and the op node in front of the next one
const ROW = 58;
const PAD = 14;
const OP_X = 24; // the op node's centre, left of its box
const INK = "#1d2330";
const EDGE = "#9aa1ad";

const SUB = "₀₁₂₃₄₅₆₇₈₉";
const SUP = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const digits = (n, set) => String(n).replace(/\d/g, (d) => set[Number(d)]);
const OPS = { sigmoid: "σ", tanh: "tanh", relu: "ReLU", leaky_relu: "leaky", linear: "id", softmax: "soft", half_sse: "½Σ(y−ŷ)²", mse: "mean(y−ŷ)²", bce: "BCE", cross_entropy: "CE", "*": "×", "+": "+", "/B": "÷B" };

/** The node's short label in its box: x₁, w₂₁⁽¹⁾, b₁⁽²⁾, z₁⁽¹⁾, a₁⁽¹⁾, y₁, L_s, L_s/B. */
export function nodeLabel(node, names = {}) {
  const n = (k) => digits(k + 1, SUB);
  const layer = node.layer ? digits(node.layer, SUP) : "";
  switch (node.kind) {
    case "input":
      return names.features?.[node.i] ?? `x${n(node.i)}`;
    case "weight":
      return `w${n(node.j)}${n(node.i)}⁽${layer}⁾`;
    case "bias":
      return `b${n(node.j)}⁽${layer}⁾`;
    case "product":
      return `w·a`;
    case "sum":
      return `z${n(node.j)}⁽${layer}⁾`;
    case "activation":
      return `a${n(node.j)}⁽${layer}⁾`;
    case "target":
      return names.targets?.[node.j] ?? `y${n(node.j)}`;
    case "loss":
      return "L_s";
    default:
      return "L_s / B";
  }
}

/** The node in words, as the inspector names parameters and layers (for titles and screen
 * readers); `names.L`: the network's number of layers, which tells Hidden l from Output. */
export function nodeName(node, names = {}) {
  const k = (v) => v + 1;
  const of = () => (names.L ? layerName(node.layer, names.L) : `layer ${node.layer}`);
  switch (node.kind) {
    case "input":
      return `input ${names.features?.[node.i] ?? `x${k(node.i)}`}`;
    case "weight":
      return `w${k(node.j)}${k(node.i)} of ${of()} (from ${node.layer === 1 ? "input" : "neuron"} ${k(node.i)} into neuron ${k(node.j)})`;
    case "bias":
      return `b${k(node.j)} of ${of()}`;
    case "product":
      return `w${k(node.j)}${k(node.i)} of ${of()} times its input`;
    case "sum":
      return `z of neuron ${k(node.j)} of ${of()}`;
    case "activation":
      return `a of neuron ${k(node.j)} of ${of()}`;
    case "target":
      return `target ${names.targets?.[node.j] ?? `y${k(node.j)}`}`;
    case "loss":
      return "this sample's loss L_s";
    default:
      return "L_s / B, this sample's part of the batch loss L";
  }
}

/** The drawing's selection a node stands for (a weight, a bias, a neuron), or null. */
export function selectionOfNode(node) {
  if (node.kind === "weight" || node.kind === "product") return { kind: "edge", layer: node.layer, j: node.j, i: node.i };
  if (node.kind === "bias") return { kind: "bias", layer: node.layer, j: node.j };
  if (node.kind === "sum" || node.kind === "activation") return { kind: "neuron", layer: node.layer, j: node.j };
  if (node.kind === "input") return { kind: "neuron", layer: 0, j: node.i };
  return null;
}

/** Whether `node` is what the drawing's `selection` names. */
export function isSelected(node, selection) {
  const t = selectionOfNode(node);
  if (!t || !selection || node.kind === "product") return false;
  if (t.kind !== selection.kind || t.layer !== selection.layer || t.j !== selection.j) return false;
  return t.kind !== "edge" || t.i === selection.i;
}

/**
 * Draw `answer` (the server's graph) into `host` as an SVG. `shownGrads`: the ids whose
 * gradient is shown (the rest say "grad …" until backpropagation reaches them).
 */
export function drawGraph(host, answer, { names, selection, shownGrads, onSelect, marked = "" }) {
  const { positions, columns, rows } = layoutGraph(answer.nodes);
  const width = PAD * 2 + OP_X + (columns - 1) * COL + BOX_W;
  const height = PAD * 2 + Math.max(1, rows) * ROW - (ROW - BOX_H);
  const svg = el("svg", {
    class: "graph-svg",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "group",
    "aria-label": `Computational graph of sample ${answer.sample === null ? "—" : answer.sample + 1}: ${answer.nodes.length} nodes`,
  });
  const at = (id) => {
    const p = positions.get(id);
    return { x: PAD + OP_X + p.column * COL, y: PAD + p.row * ROW };
  };
  const byId = new Map(answer.nodes.map((n) => [n.id, n]));
  const edges = el("g", { class: "graph-edges" }, svg);
  for (const node of answer.nodes) {
    if (!node.inputs.length) continue;
    const { x, y } = at(node.id);
    const ox = x - OP_X;
    const oy = y + BOX_H / 2;
    node.inputs.forEach((id, k) => {
      const from = at(id);
      const fx = from.x + BOX_W;
      const fy = from.y + BOX_H / 2;
      const mid = (fx + ox) / 2;
      el("path", { d: `M${fx},${fy} C${mid},${fy} ${mid},${oy} ${ox - 11},${oy}`, fill: "none", stroke: EDGE, "stroke-width": 1.2, "data-edge": `${id}>${node.id}` }, edges);
      if (node.weights) {
        const label = el("text", { x: ox - 14, y: oy - 4 - 9 * (node.inputs.length - 1 - k), "text-anchor": "end", class: "graph-weight", "data-value": full(node.weights[k]) }, edges);
        label.textContent = `×${fmt(node.weights[k])}`;
        el("title", {}, label).textContent = `${nodeName(byId.get(id), names)} enters multiplied by its weight ${full(node.weights[k])}`;
      }
    });
    el("line", { x1: ox + 11, y1: oy, x2: x, y2: oy, stroke: EDGE, "stroke-width": 1.2 }, edges);
    const op = el("g", { class: "graph-op", "data-op": node.op }, edges);
    const text = OPS[node.op] ?? node.op;
    const rx = Math.max(11, 3.6 * text.length + 4);
    el("rect", { x: ox - rx, y: oy - 10, width: 2 * rx, height: 20, rx: 10, fill: node.kind === "activation" ? activationColour(node.op) : "#eef0f4", stroke: "#c9ced8" }, op);
    el("text", { x: ox, y: oy + 4, "text-anchor": "middle", class: "graph-op-text", fill: node.kind === "activation" ? "#fff" : INK }, op).textContent = text;
  }
  const boxes = el("g", { class: "graph-nodes" }, svg);
  for (const node of answer.nodes) {
    const { x, y } = at(node.id);
    const chosen = isSelected(node, selection);
    const g = el("g", {
      class: `graph-node kind-${node.kind}${chosen ? " selected" : ""}${node.cut ? " cut" : ""}${node.id === marked ? " tour-target" : ""}`,
      transform: `translate(${x} ${y})`,
      "data-node": node.id,
      "data-kind": node.kind,
    }, boxes);
    const target = selectionOfNode(node);
    const shown = node.grad !== null && shownGrads.has(node.id);
    const gradient = node.kind === "target" ? "none (a target is data, not a parameter)" : shown ? fmt(node.grad) : "not computed yet";
    const words = `${nodeName(node, names)}: value ${node.value === null ? "not computed yet" : fmt(node.value)}, gradient ${gradient}`;
    const labelText = nodeLabel(node, names) + (node.cut ? " …" : "");
    const dataText = `data ${fmt(node.value)}`;
    const gradText = node.kind === "target" ? "grad —" : shown ? `grad ${fmt(node.grad)}` : "grad …";
    // The accessible name starts with the box's visible words, so speech and sight agree; the
    // trailing spaces below (not drawn) keep those words apart in the text a reader hears.
    const name = `${labelText} ${dataText} ${gradText}. ${words}`;
    if (target) {
      g.setAttribute("role", "button");
      g.setAttribute("tabindex", "0");
      g.setAttribute("aria-label", name);
      g.addEventListener("click", () => onSelect(target));
      g.addEventListener("keydown", (evt) => {
        if (evt.key === "Enter" || evt.key === " ") {
          evt.preventDefault();
          onSelect(target);
        }
      });
    } else {
      g.setAttribute("role", "img");
      g.setAttribute("aria-label", name);
    }
    el("title", {}, g).textContent = node.cut ? `${words}. Some of its inputs are not drawn here.` : words;
    el("rect", { width: BOX_W, height: BOX_H, rx: 4, class: "graph-box" }, g);
    el("text", { x: 6, y: 13, class: "graph-label" }, g).textContent = `${labelText} `;
    const value = el("text", { x: 6, y: 27, class: "graph-data" }, g);
    value.textContent = `${dataText} `;
    if (node.value !== null) value.dataset.value = full(node.value);
    const grad = el("text", { x: 6, y: 40, class: "graph-grad", fill: GRAD }, g);
    grad.textContent = gradText;
    if (node.kind !== "target" && shown) grad.dataset.value = full(node.grad);
  }
  host.replaceChildren(svg);
  return svg;
}
