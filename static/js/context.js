// The page's shared objects: the state store, the event log, the animator, the drawing, its
// tooltip, the inspector.

import { createStore } from "./store.js";
import { createAnimator } from "./animator.js";
import { createNetworkView } from "./network-view.js";
import { createInspector } from "./inspector.js";
import { createTooltip } from "./tooltip.js";
import { setParameter } from "./parameter-actions.js";

export const $ = (selector) => document.querySelector(selector);

/** The UI state: one model, full names; panels render from it (render.js). */
export const store = createStore({
  catalog: null,
  setup: null, // what the form shows
  built: null, // the setup the current network was built from
  shape: null, // {nIn, nOut, task} of the chosen data
  preview: null,
  network: null,
  data: null,
  trace: null, // {forward, loss, backward, update} of the current step
  history: [],
  steps: [],
  grid: null,
  display: { edges: "w", neurons: "a" }, // the numbers written on edges (w, dL_dW, step) and neurons (a, z, delta)
  ownTargets: null, // the target the learner typed for their own input row, for Loss
  boundary: { showValidation: true, discretize: false }, // how the decision-boundary plot draws
  neuronHealth: null, // per layer 1..L, per neuron: "saturated", "dead" or null
  selection: null,
  gradcheck: null, // {key, res} of the last gradient check
  playing: false,
  pendingSetup: null, // settings typed during Play, applied once the epoch in progress ends (live-settings.js)
  pace: Infinity, // Play's epochs per second (the Speed slider); Infinity: as fast as it goes
  timelineMark: null, // {epoch, step} of the timeline snapshot being previewed (timeline.js), else null
  caption: "",
});

// A log the browser tests (and curious learners in the console) can read.
const events = [];
window.backpropExplorer = { events, getState: () => store.get() };
export const emit = (e) => events.push({ ...e, t: Math.round(performance.now()) });

export const animator = createAnimator();
export const inspector = createInspector({
  body: $("[data-inspector-body]"),
  onEditParameter: (target, value) => setParameter(target, value),
});
const tooltip = createTooltip($("[data-tooltip]"));
export const view = createNetworkView($("[data-network]"), {
  emit,
  onHover: (target, evt) => {
    const s = store.get();
    tooltip.show(target, evt, { network: s.network, trace: s.trace, health: s.neuronHealth });
  },
  onLeave: () => tooltip.hide(),
  onSelect: (target) => store.set({ selection: target }),
  // The drawing was laid out again (a layer expanded or collapsed, a resize): repaint it.
  onExpand: () => {
    animator.skip();
    const s = store.get();
    store.set({ network: s.network, trace: s.trace, neuronHealth: s.neuronHealth, selection: s.selection });
  },
});

/** The configuration panel, once the catalog has loaded (main.js). */
export const form = { config: null };

/** The phase order, served by the catalog. */
export const phaseOrder = () => store.get().catalog.phases;
/** How many per-update losses the server keeps (contract 4), else its long-standing 10,000. */
export const maxStepLosses = () => store.get().catalog?.limits?.max_step_losses ?? 10_000;
