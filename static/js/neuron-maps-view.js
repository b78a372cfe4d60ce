// Each hidden neuron's activation over the input plane drawn beside its circle in the
// diagram, and enlarged (160 px, labelled) on hover or keyboard focus.

import { el } from "./svg.js";
import { activationColours, paintGrid } from "./grid-image.js";
import { hideMapZoom, showMapZoom } from "./map-zoom.js";

/**
 * Each drawn hidden neuron's activation over the input plane (a predict `grid` answer for
 * 2-D data), as a small heatmap left of its circle; null removes them.
 */
export function setNeuronMaps(state, grid, layoutEdgeLabels) {
  if (!state.geo) return;
  // Play clears the maps on every update: nothing to do when there are none.
  if (!grid?.layers && !state.geo.gMaps.firstChild) return;
  state.geo.gMaps.replaceChildren();
  state.geo.mapBoxes = [];
  state.geo.mapHrefs = new Map(); // "l-j" → data URL, for the enlarged map on hover
  if (!grid?.layers) return;
  const R = grid.axes.x1.length;
  const size = Math.max(10, Math.min(28, state.geo.spacing * 0.7));
  // Drawn beside the circles only where the columns leave room (a phone shows them in the
  // plots), but every shown neuron's map is kept for the enlarged view on hover or focus.
  const beside = state.geo.gap >= 2 * state.geo.r + size + 40;
  const canvas = document.createElement("canvas");
  for (let l = 1; l < state.geo.L; l++) {
    const layer = grid.layers.find((ly) => ly.index === l);
    if (!layer) continue;
    for (const j of state.geo.shown[l]) {
      paintGrid(canvas, R, activationColours(layer, j));
      const href = canvas.toDataURL();
      state.geo.mapHrefs.set(`${l}-${j}`, href);
      if (!beside) continue;
      const p = state.geo.pos[l][j];
      const box = { x1: p.x - state.geo.r - 6 - size, x2: p.x - state.geo.r - 6, y1: p.y - size / 2, y2: p.y + size / 2 };
      el(
        "image",
        { href, x: box.x1, y: box.y1, width: size, height: size, class: "neuron-map", "data-layer": l, "data-j": j, preserveAspectRatio: "none" },
        state.geo.gMaps,
      );
      state.geo.mapBoxes.push(box);
    }
  }
  layoutEdgeLabels();
}

/** Enlarge neuron `t`'s map beside `node` (its SVG group); `t` null or not a hidden neuron hides it. */
export function zoomNeuronMap(state, t, node) {
  state.zoomed = t?.kind === "neuron" ? `${t.layer}-${t.j}` : null;
  const href = state.zoomed ? state.geo?.mapHrefs?.get(state.zoomed) : null;
  if (!href) return hideMapZoom();
  const act = state.geo.activations?.[t.layer - 1] ?? "";
  const label = `Hidden ${t.layer}, neuron ${t.j + 1}${act ? ` (${act})` : ""}: its activation over the input plane (x1 →, x2 ↑)`;
  showMapZoom(href, label, node.getBoundingClientRect());
}
