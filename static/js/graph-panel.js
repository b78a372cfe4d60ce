// The computational-graph panel: asks the server for one sample's graph (POST …/graph) as the
// step's phases run, focused on the selected neuron or weight or the whole network, and
// reveals the gradients node by node, root first, when Backward arrives. Clicking a node
// selects its weight, bias or neuron on the drawing and in the inspector.

import * as api from "./api.js";
import { $, animator, store } from "./context.js";
import { currentPhase } from "./moments.js";
import { drawGraph, nodeName } from "./graph-view.js";
import { layerName } from "./names.js";

const REVEAL_MS = 90; // per node at speed 1×

const root = $("[data-graph]");
const plot = root.querySelector("[data-graph-plot]");
const note = root.querySelector("[data-graph-note]");
const error = root.querySelector('[data-error="graph"]');
const sampleSelect = root.querySelector("[data-graph-sample]");
const more = { left: root.querySelector('[data-graph-more="left"]'), right: root.querySelector('[data-graph-more="right"]') };
const scopeInputs = [...root.querySelectorAll("input[name=graph-scope]")];

let scope = null; // "neuron" | "whole"; null: whole where it fits, else the neuron
let sample = 0;
let lastKey = "";
let lastNetwork = null;
let requests = 0;
let inFlight = null;
let drawn = null; // {answer, key, step}: what is on screen
let shown = new Set(); // ids whose gradient is on screen
let timer = 0;

/** The neuron a selection belongs to: a weight or bias its neuron, an input none. */
function focusOf(selection) {
  if (!selection || selection.layer < 1) return null;
  if (["edge", "bias", "neuron"].includes(selection.kind)) return { layer: selection.layer, neuron: selection.j };
  return null;
}

// Whole graphs of at most this many nodes are shown unless the neuron view is chosen
// (2-2-1 has 26, Mazur's 2-2-2 34).
const TINY_NODES = 40;

// Each forward answer the page receives starts a step of its own (own inputs pushed twice are
// two steps with the same rows).
const steps = new WeakMap();
let stepCount = 0;
function stepOf(forward) {
  if (!forward) return 0;
  if (!steps.has(forward)) steps.set(forward, ++stepCount);
  return steps.get(forward);
}

function names(network) {
  return { features: network.feature_names, targets: network.target_names, L: network.layers.length - 1 };
}

function render(s) {
  if (!s.network) return;
  const trace = s.trace;
  const phase = currentPhase(trace);
  const batch = phase === "update" || !trace?.forward ? 0 : trace.forward.batch_size ?? trace.forward.inputs.length;
  fillSamples(trace, batch);
  if (s.playing) {
    note.textContent = "Paused while Play runs: the graph follows when training stops.";
    return;
  }
  if (s.snapshotPreview) {
    note.textContent = "The timeline is showing an earlier moment; this graph is of the network as it is now.";
    return;
  }
  // The whole network when asked and it fits, or unasked when it is tiny; else the neuron.
  // The server says how big the whole graph is with every answer.
  const known = drawn?.network === s.network.id ? drawn.answer : null;
  const fits = Boolean(known) && known.whole_network_nodes <= known.max_whole_nodes;
  const wanted = scope === "whole" || (scope === null && Boolean(known) && known.whole_network_nodes <= TINY_NODES);
  const focus = wanted && fits ? null : focusOf(s.selection) ?? { layer: 1, neuron: 0 };
  const body = { sample: Math.min(sample, Math.max(0, batch - 1)), focus };
  const key = JSON.stringify([s.network.id, s.network.step, phase, stepOf(trace?.forward), body]);
  if (key === lastKey && s.network === lastNetwork) {
    if (drawn) draw(s);
    return;
  }
  lastKey = key;
  lastNetwork = s.network;
  load(s, body, key, phase);
}

function fillSamples(trace, batch) {
  const rows = trace?.forward?.indices;
  const wanted = batch ? Array.from({ length: batch }, (_, k) => `row ${k + 1} of the batch${rows ? ` (sample #${rows[k]})` : ""}`) : ["no step in progress"];
  if (sampleSelect.dataset.options !== JSON.stringify(wanted)) {
    sampleSelect.replaceChildren(...wanted.map((text, k) => Object.assign(document.createElement("option"), { value: String(k), textContent: text })));
    sampleSelect.dataset.options = JSON.stringify(wanted);
    if (sample >= Math.max(1, batch)) sample = 0;
  }
  sampleSelect.value = String(sample);
  sampleSelect.disabled = batch <= 1;
}

async function load(s, body, key, phase) {
  const seq = ++requests;
  inFlight?.abort();
  inFlight = new AbortController();
  root.dataset.state = "loading";
  try {
    const answer = await api.graph(s.network.id, body, { signal: inFlight.signal });
    if (seq !== requests) return;
    error.textContent = "";
    const previous = drawn;
    drawn = { answer, key, step: s.network.step, focus: body.focus, network: s.network.id };
    scopeInputs.find((r) => r.value === "whole").disabled = answer.whole_network_nodes > answer.max_whole_nodes;
    for (const r of scopeInputs) r.checked = r.value === (body.focus ? "neuron" : "whole");
    // Backward just arrived for the graph on screen: backpropagate, one node after another.
    const same = previous && previous.step === drawn.step && JSON.stringify(previous.focus) === JSON.stringify(body.focus) && previous.answer.sample === answer.sample;
    const arriving = answer.phase === "backward" && !(same && previous.answer.phase === "backward");
    clearInterval(timer);
    const withGrad = answer.backward_order.filter((id) => answer.nodes.find((n) => n.id === id).grad !== null);
    if (arriving && animator.speed > 0) {
      shown = new Set();
      root.dataset.state = "revealing";
      let k = 0;
      timer = setInterval(() => {
        shown.add(withGrad[k++]);
        draw(store.get());
        if (k >= withGrad.length) {
          clearInterval(timer);
          root.dataset.state = "drawn";
        }
      }, REVEAL_MS / animator.speed);
    } else {
      shown = new Set(withGrad);
      root.dataset.state = "drawn";
    }
    draw(s);
    root.dataset.phase = answer.phase;
    const first = !previous || previous.network !== drawn.network;
    if (first && scope === null && body.focus && answer.whole_network_nodes <= TINY_NODES) render(store.get());
  } catch (err) {
    if (seq !== requests || err.name === "AbortError") return;
    drawn = null;
    plot.replaceChildren();
    showMore();
    error.textContent = err instanceof api.ApiError ? err.detail : `Unexpected error: ${err.message}`;
    root.dataset.state = "error";
  }
}

function draw(s) {
  const { answer } = drawn;
  const svg = drawGraph(plot, answer, {
    names: names(s.network),
    selection: s.selection,
    shownGrads: shown,
    onSelect: (target) => store.set({ selection: target }),
    marked: root.dataset.tourNode ?? "",
  });
  svg.dataset.phase = answer.phase;
  svg.dataset.shown = String(shown.size);
  showMore();
  const focus = answer.focus;
  const what = focus
    ? `Neuron ${focus.neuron + 1} of ${layerName(focus.layer, s.network.layers.length - 1)} op by op, the neurons above it up to the loss (a box marked … has inputs not drawn).`
    : "The whole network, op by op.";
  const phaseWords = {
    ready: `No step is in progress: only the weights and biases have values.${s.tourLock ? "" : " Press Forward."}`,
    forward: "Forward has run: each node holds its value. Loss computes L_s, Backward each node's gradient.",
    loss: "Loss has run: L_s is this sample's loss. Backward fills in every gradient, from the loss back.",
    backward: `Backward: grad is ∂L/∂node along this sample's path (L the batch's mean loss, so it carries 1/B). A weight's grad is this sample's term of ∂L/∂w; the batch's ∂L/∂w adds every sample's${s.network.regularization?.kind && s.network.regularization.kind !== "none" ? " and the penalty's gradient" : ""}.`,
    update: `The step is finished: the weights and biases show their new values.${s.tourLock ? "" : " Press Forward for the next step."}`,
  };
  note.textContent = `${what} ${phaseWords[answer.phase]}`;
  const focusNode = focus && answer.nodes.find((n) => n.kind === "sum" && n.layer === focus.layer && n.j === focus.neuron);
  if (focusNode) plot.setAttribute("aria-label", `Graph of ${nodeName(focusNode, names(s.network))}`);
}

/** The arrow at each edge the graph goes on past (it is wider than the panel and scrolled short of that end). */
function showMore() {
  const end = plot.scrollWidth - plot.clientWidth;
  more.left.hidden = plot.scrollLeft <= 1;
  more.right.hidden = plot.scrollLeft >= end - 1;
}
plot.addEventListener("scroll", showMore, { passive: true });
new ResizeObserver(showMore).observe(plot);
for (const [side, button] of Object.entries(more)) {
  button.addEventListener("click", () => {
    const by = Math.max(120, plot.clientWidth * 0.8) * (side === "left" ? -1 : 1);
    const still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    plot.scrollBy({ left: by, behavior: still ? "auto" : "smooth" });
  });
}

sampleSelect.addEventListener("change", () => {
  sample = Number(sampleSelect.value);
  render(store.get());
});
for (const input of scopeInputs) {
  input.addEventListener("change", () => {
    scope = input.value;
    render(store.get());
  });
}

store.subscribe((s, keys) => {
  // tourLock: the notes name Forward only when its button is free (tour/lock.js).
  if (!["selection", "network", "trace", "playing", "snapshotPreview", "tourLock"].some((k) => keys.has(k))) return;
  // Mid-animation the trace runs ahead of the server: wait for the final state.
  if (animator.running) return;
  render(s);
});
if (!animator.running) render(store.get()); // loaded when the panel first comes into view

// A lesson step pointing at one node (tour/highlight.js sets data-tour-node): mark it.
new MutationObserver(() => drawn && draw(store.get())).observe(root, { attributes: true, attributeFilter: ["data-tour-node"] });
