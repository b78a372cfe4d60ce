// The page's shared objects: the state store, the event log, the animator, and (once main.js
// mounts them) the drawing, its tooltip and the inspector. Importing this module builds no DOM
// and imports no action: main.js passes the actions in.

import { createStore } from "./store.js";
import { createAnimator } from "./animator.js";
import { createNetworkView } from "./network-view.js";
import { createInspector } from "./inspector.js";
import { createTooltip } from "./tooltip.js";

export const $ = (selector) => document.querySelector(selector);

/** The UI state: one model, full names; panels render from it (render.js). */
export const store = createStore({
  catalog: null,
  setup: null, // what the form shows
  built: null, // the setup the current network was built from
  shape: null, // {nIn, nOut, task} of the chosen data
  preview: null, // the chosen data, drawn as a scatter before a network is built on it
  network: null, // the network as it is on the server
  sharing: null, // {share, yours} of that network: the key its links carry, whether this page may change it
  data: null,
  trace: null, // {forward, loss, backward, update} of the current step
  history: [],
  steps: [],
  grid: null,
  // The numbers written on edges (w, dL_dW, step) and neurons (a, z, delta); "auto" follows the
  // step: ∂L/∂w and δ after Backward, w and a otherwise (network-paint.js resolveDisplay).
  display: { edges: "auto", neurons: "auto" },
  ownTargets: null, // {targets, units}: the target the learner typed for their own input row, for Loss
  boundary: { showValidation: true, discretize: false }, // how the decision-boundary plot draws
  lossLog: false, // the loss plots on a log axis
  neuronHealth: null, // per layer 1..L, per neuron: "saturated", "dead" or null
  selection: null,
  gradcheck: null, // {key, res} of the last gradient check
  playing: false,
  tourLock: false, // a lesson's tour is open: its steps run the network and set its settings (tour/lock.js)
  pendingSetup: null, // settings typed during Play, applied once the epoch in progress ends (live-settings.js)
  // The last change of live settings on this page: {id, epoch, step}, the network's, the first
  // epoch run wholly with them and the updates before them (live-settings.js); the advice
  // judges only what ran with the settings in force (advice.js).
  settingsChanged: null,
  pace: Infinity, // Play's epochs per second (the Speed slider); Infinity: as fast as it goes
  // The timeline snapshot shown instead of the network as it is (timeline.js), else null:
  // {snapshot, network, drops, grid, mark: {epoch, step}, caption}, the server's answers.
  snapshotPreview: null,
  caption: "",
});

/** The keys whose drawing a snapshot preview replaces (see `drawn`). */
export const PREVIEWED = ["network", "trace", "neuronHealth", "grid", "caption", "timelineMark"];

/**
 * The state the page draws: the network as it is, or, while the timeline previews a snapshot,
 * that moment's network, boundary and caption (no step in progress, no neuron health).
 * `timelineMark` is where the loss plots mark the preview: {epoch, step}, else null.
 */
export function drawn(s = store.get()) {
  const p = s.snapshotPreview;
  if (!p) return { ...s, timelineMark: null };
  return { ...s, network: p.network, trace: null, neuronHealth: null, grid: p.grid ?? s.grid, caption: p.caption, timelineMark: p.mark };
}

// A log the browser tests (and curious learners in the console) can read.
const events = [];
window.backpropExplorer = { events, getState: () => store.get() };
export const emit = (e) => events.push({ ...e, t: Math.round(performance.now()) });

export const animator = createAnimator();

/**
 * Another network on its way to the screen: a link opened, a build, an import, a copy. Each
 * such switch runs through `switching`; an action on the network (a phase, Step, Epoch, Play)
 * waits for `switched()` before it reads which network is on screen, so it acts on, and draws
 * on, the network the page is bringing up, never on the one leaving it.
 */
const switches = new Set();

/** `fn` with its calls counted as network switches while they run. */
export function switching(fn) {
  return async (...args) => {
    const run = fn(...args);
    switches.add(run);
    try {
      return await run;
    } finally {
      switches.delete(run);
    }
  };
}

/** Resolves once no network switch is in progress (at once when none is). */
export async function switched() {
  while (switches.size) await Promise.allSettled([...switches]);
}

/** Whether `network` is still the one on screen: an answer about another is not drawn. */
export const stillOnScreen = (network) => store.get().network?.id === network.id;

/** The drawing and the inspector: built by `mountViews`, before anything renders. */
export let view = null;
export let inspector = null;

/** Build the drawing, its tooltip and the inspector into the page; `onEditParameter(target,
 * value)` is what a value typed into the inspector does. */
export function mountViews({ onEditParameter }) {
  inspector = createInspector({ body: $("[data-inspector-body]"), onEditParameter });
  const tooltip = createTooltip($("[data-tooltip]"));
  view = createNetworkView($("[data-network]"), $("[data-pulses]"), {
    emit,
    onHover: (target, evt) => {
      const s = drawn();
      tooltip.show(target, evt, { network: s.network, trace: s.trace, health: s.neuronHealth });
    },
    onLeave: () => tooltip.hide(),
    onSelect: (target) => store.set({ selection: target }),
    // A move of the drawing's top waits for the animation to end before laying it out again.
    animating: () => animator.running,
    // The drawing was laid out again (a layer expanded or collapsed, a resize): repaint it.
    onExpand: () => {
      animator.skip();
      const { network, trace, neuronHealth, selection, snapshotPreview } = store.get();
      store.set({ network, trace, neuronHealth, selection, snapshotPreview });
    },
  });
}

/** The configuration panel, once the catalog has loaded (main.js). */
export const form = { config: null };

/** The phase order, served by the catalog. */
export const phaseOrder = () => store.get().catalog.phases;
/** How many per-update losses the server keeps, as the catalog says. */
export const maxStepLosses = () => store.get().catalog?.limits?.max_step_losses ?? 10_000;
