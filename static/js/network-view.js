// The network drawing (SVG): events (hover, click, keyboard, expanding a wide layer), the
// selection, and the phase animations, over the layout (network-layout.js), the painting
// (network-paint.js) and the neurons' heatmaps (neuron-maps-view.js).
// Layer l = 0..L (0 = inputs). Edge (l, j, i) carries W[l][j][i]: from neuron i of layer l-1
// into neuron j of layer l, as in the API. Values shown are the API's, for one sample row.

import { createAnimation } from "./network-animation.js";
import { buildDrawing } from "./network-layout.js";
import { createPainter } from "./network-paint.js";
import { createChainPath } from "./chain-path.js";
import { createPulseLayer } from "./pulse-layer.js";
import { setNeuronMaps as drawNeuronMaps, zoomNeuronMap } from "./neuron-maps-view.js";

/** Whether the page is in one column (a phone, a narrow window): app.css sets --one-column then. */
const oneColumn = () => getComputedStyle(document.documentElement).getPropertyValue("--one-column").trim() === "1";
const FOOT = 6; // px kept free under the drawing

/**
 * The height (CSS px) the drawing may take so that the whole of it is on the screen: where the
 * page has columns it shares the first screen with the controls above it and the tour or the
 * inspector beside it, so from its top to the window's foot; in one column (a phone, where a
 * lesson's tour comes first) it is scrolled to, so the window's height.
 */
function roomForDrawing(top) {
  return window.innerHeight - (oneColumn() ? 0 : top) - FOOT;
}

/** The drawing's top in the page (CSS px from the document's top, whatever the scroll). */
const topOf = (svg) => svg.getBoundingClientRect().top + window.scrollY;

/** What sits above the drawing in its column: each earlier sibling of the svg and of its
 * ancestors (the controls, with their details; the counters above the svg; the header). */
function above(svg) {
  const found = [];
  for (let node = svg; node && node !== document.body; node = node.parentElement) {
    for (let s = node.previousElementSibling; s; s = s.previousElementSibling) found.push(s);
  }
  return found;
}

/**
 * `refit()` once the drawing's top has moved (something above it opened, closed or wrapped), so
 * its last row stays on the screen; never while `animating()` (the refit waits for the animation
 * to end), never in one column (where the room is the window's height, whatever the top).
 */
function watchTop(svg, builtTop, refit, animating) {
  let scheduled = false;
  const check = () => {
    scheduled = false;
    const top = builtTop();
    if (top === null || oneColumn()) return;
    if (Math.abs(topOf(svg) - top) < 1) return;
    if (animating?.()) return schedule();
    refit();
  };
  // Read and rebuild in the next frame, not inside the observer's callback: a change it makes to
  // the layout is then an ordinary one, not a resize loop.
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(check);
  };
  const observer = new ResizeObserver(schedule);
  for (const node of above(svg)) observer.observe(node);
}

export function createNetworkView(svg, pulseCanvas, { onHover, onLeave, onSelect, onExpand, emit, animating }) {
  let geo = null; // layout of the current architecture
  const state = { geo: null, scale: null, zoomed: null }; // shared with the painter and the maps
  const painter = createPainter(svg, state);
  const chain = createChainPath(svg, state);
  const { setActivations, setZ, setDeltas, setEdgeGrads, setOutputs, setLoss, paintEdge, paintBias, setParams } = painter;
  let selected = null;
  let lastBuild = null;
  const expanded = new Set(); // layers drawn in full although wider than COLLAPSE_OVER

  svg.addEventListener("mouseleave", () => {
    onLeave?.();
    zoomMap(null);
  });

  /** A hidden neuron's heatmap, enlarged beside it (hover or keyboard focus). */
  const zoomMap = (t, node) => zoomNeuronMap(state, t, node);
  svg.addEventListener("focusin", (evt) => {
    const hit = evt.target.closest?.("[data-kind=neuron]");
    zoomMap(hit && targetOf(hit), hit);
  });
  svg.addEventListener("focusout", () => zoomMap(null));

  function targetOf(node) {
    const hit = node.closest("[data-kind]");
    if (!hit) return null;
    const d = hit.dataset;
    return { kind: d.kind, layer: Number(d.layer), j: Number(d.j), i: d.i === undefined ? undefined : Number(d.i) };
  }
  svg.addEventListener("mousemove", (evt) => {
    const t = targetOf(evt.target);
    if (t) onHover?.(t, evt);
    else onLeave?.();
    const key = t?.kind === "neuron" ? `${t.layer}-${t.j}` : null;
    if (key !== state.zoomed) zoomMap(t, evt.target.closest("[data-kind]"));
  });
  function toggleLayer(l) {
    if (expanded.has(l)) expanded.delete(l);
    else expanded.add(l);
    build(lastBuild);
    onExpand?.();
  }
  svg.addEventListener("click", (evt) => {
    const toggle = evt.target.closest?.("[data-expand-layer]");
    if (toggle) return toggleLayer(Number(toggle.dataset.expandLayer));
    const t = targetOf(evt.target);
    if (t) onSelect?.(t);
  });
  // The part the pointer last pressed keeps the focus; Space there is left to the page (Play).
  let clickedPart = null;
  svg.addEventListener("pointerdown", (evt) => (clickedPart = evt.target.closest?.("[role=button]") ?? null));
  document.addEventListener("keydown", (evt) => evt.key === "Tab" && (clickedPart = null), true);
  svg.addEventListener("keydown", (evt) => {
    // Enter opens the focused neuron, edge or bias; Space does too where the keyboard brought the focus.
    if (evt.key !== "Enter" && !(evt.key === " " && evt.target !== clickedPart)) return;
    const toggle = evt.target.closest?.("[data-expand-layer]");
    if (toggle) return toggleLayer(Number(toggle.dataset.expandLayer));
    const t = targetOf(evt.target);
    if (t) {
      evt.preventDefault();
      evt.stopPropagation();
      onSelect?.(t);
    }
  });

  /** Build the SVG for an architecture: args = {sizes, activations, featureNames, targetNames}. */
  let builtTop = null; // the drawing's top in the page when it was last laid out
  function build(args) {
    lastBuild = args;
    builtTop = topOf(svg);
    geo = buildDrawing(svg, args, expanded, roomForDrawing(builtTop));
    state.geo = geo;
    if (selected) markSelected(selected);
  }

  function setNeuronMaps(grid) {
    if (geo) drawNeuronMaps(state, grid, painter.layoutEdgeLabels);
  }

  function markSelected(target) {
    svg.querySelectorAll(".selected").forEach((n) => n.classList.remove("selected"));
    selected = target;
    if (!target || !geo) return;
    if (target.kind === "neuron") geo.neurons[target.layer]?.[target.j]?.g.classList.add("selected");
    else if (target.kind === "bias") geo.neurons[target.layer]?.[target.j]?.bias?.g.classList.add("selected");
    else if (target.kind === "edge") geo.edges[target.layer - 1]?.[target.j]?.[target.i]?.line.classList.add("selected");
  }

  // The pulses pass under the neurons: the layer leaves out each circle and its outline.
  const neuronCircles = () => (geo ? geo.shown.flatMap((list, l) => list.map((j) => ({ ...geo.pos[l][j], r: geo.r + 1.5 }))) : []);
  const pulseLayer = createPulseLayer(pulseCanvas, svg, neuronCircles);
  const animation = createAnimation({
    svg,
    pulseLayer,
    emit,
    get geo() {
      return geo;
    },
    setActivations,
    setZ,
    setDeltas,
    setEdgeGrads,
    setOutputs,
    setLoss,
    paintEdge,
    paintBias,
    setParams,
  });

  /** Paint a whole finished trace at once (after a page reload or a redraw). */
  function showTrace(trace, row = 0) {
    setDeltas(null);
    setEdgeGrads(null);
    setOutputs(null, null);
    setLoss(trace?.loss ? trace.loss.loss : null, trace?.loss?.batch_size);
    if (!trace?.forward) {
      setActivations(null, -1);
      setZ(null, 0);
      return;
    }
    const f = trace.forward;
    setActivations([f.inputs[row], ...f.layers.map((ly) => ly.a[row])]);
    setZ([null, ...f.layers.map((ly) => ly.z[row])], geo.L);
    setOutputs(f.output[row], trace.loss ? trace.loss.targets[row] : null);
    if (trace.backward && !trace.update) {
      const deltas = [null];
      for (const ly of trace.backward.layers) deltas[ly.index] = ly.dL_dz[row];
      setDeltas(deltas, 1);
      setEdgeGrads(trace.backward.layers.map((ly) => ly.dL_dW), 1);
    }
  }

  watchTop(svg, () => (lastBuild ? builtTop : null), () => relayout(), animating);

  /** Lay the drawing out again (a resize, a move of its top), keeping what it shows. */
  function relayout() {
    if (!lastBuild) return;
    build(lastBuild);
    onExpand?.();
  }

  return {
    build,
    setParams,
    showTrace,
    select: markSelected,
    relayout,
    setStale: painter.setStale,
    /** The selected weight's (or bias's) chain rule on the drawing; its product line's parts. */
    showChain: (selection, trace, network, tour) => chain.show(selection, trace, network, tour),
    clearChain: () => chain.clear(),
    setNeuronMaps,
    showNumbers: painter.showNumbers,
    markHealth: painter.markHealth,
    /** The data's target scale ({target_mean, target_std}, or null): ŷ and y in its units. */
    setScale(scale) {
      state.scale = scale?.target_std ? { target_mean: scale.target_mean, target_std: scale.target_std } : null;
    },
    forwardStages: animation.forwardStages,
    lossStages: animation.lossStages,
    backwardStages: animation.backwardStages,
    updateStages: animation.updateStages,
  };
}
