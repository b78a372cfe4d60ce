// Connects the state to the views: on every change, each panel whose inputs changed renders again.

import { $, PREVIEWED, animator, drawn, inspector, store, view } from "./context.js";
import { renderCaption, renderChain } from "./captions.js";
import { renderGradcheck, renderMeta, renderPhaseButtons, renderReadout, renderSamplePicker } from "./panels.js";
import { drawPreview, renderPlots } from "./plot-panel.js";
import { createPicturesView } from "./pictures-view.js";
import { renderOwnRow } from "./own-input.js";
import { shortMoment } from "./moments.js";
import { renderScaleNote } from "./scale-note.js";
import { renderStopAccuracy } from "./accuracy.js";
import { gradLines, hoverHistory, lossLines } from "./plot-hover.js";

let drawnArchitecture = ""; // network id, sizes and activations the SVG was built for

/** Render the state `state` after a change of `keys`; a snapshot preview starting or ending
 * changes everything it replaces. */
function render(state, keys) {
  if (keys.has("snapshotPreview")) keys = new Set([...keys, ...PREVIEWED]);
  const s = drawn(state);
  if (keys.has("network") && s.network) {
    const sizes = s.network.layers;
    const architecture = `${s.network.id}:${sizes.join("-")}:${s.network.activations.join(",")}`;
    view.setScale(s.network); // standardized targets: ŷ and y drawn in the data's units
    // The counters and the legend above the drawing first: the drawing is fitted below them.
    renderMeta(s);
    if (drawnArchitecture !== architecture) {
      view.build({ sizes, activations: s.network.activations, featureNames: s.network.feature_names, targetNames: s.network.target_names });
      drawnArchitecture = architecture;
      view.showTrace(s.trace);
    }
    if (!animator.running) view.setParams(s.network.parameters.weights, s.network.parameters.biases);
    renderScaleNote(s);
    renderStopAccuracy(s.network);
  }
  if (keys.has("trace") && !animator.running && s.network) view.showTrace(s.trace);
  if ((keys.has("trace") || keys.has("network")) && s.network) view.setStale(Boolean(s.trace?.update));
  if ((keys.has("neuronHealth") || keys.has("network")) && s.network) view.markHealth(s.neuronHealth);
  // Heatmaps beside the hidden neurons for 2-D data; Play redraws the plots, not these.
  if ((keys.has("grid") || keys.has("network") || keys.has("playing")) && s.network) {
    view.setNeuronMaps(s.grid?.kind === "grid" && !s.playing ? s.grid : null);
  }
  if ((keys.has("trace") || keys.has("network") || keys.has("display")) && s.network && !animator.running) {
    view.showNumbers(s.display, s.trace);
  }
  if (["trace", "playing", "network", "tourLock"].some((k) => keys.has(k))) renderPhaseButtons(s);
  if (keys.has("trace") || keys.has("steps")) renderReadout(s);
  if (keys.has("network") || keys.has("data") || keys.has("tourLock")) renderSamplePicker(s);
  if (["network", "data", "trace"].some((k) => keys.has(k))) renderOwnRow(s);
  if (["selection", "trace", "network", "tourLock"].some((k) => keys.has(k))) {
    view.select(s.selection);
    // In a timeline preview the inspector's values are the previewed moment's, and say so.
    const at = s.snapshotPreview ? shortMoment(s.snapshotPreview.snapshot) : null;
    inspector.render(s.selection, { network: s.network, trace: s.trace, at, tour: s.tourLock, catalog: s.catalog });
  }
  if (["selection", "trace", "network", "display", "grid", "tourLock"].some((k) => keys.has(k)) && s.network) {
    // After the numbers and the maps: the chain's tags are placed where nothing else is.
    if (animator.running) view.clearChain();
    else renderChain(view.showChain(s.selection, s.trace, s.network, s.tourLock));
  }
  renderAnalysis(s, keys);
  if (keys.has("gradcheck") || keys.has("network")) renderGradcheck(s);
  if (keys.has("caption")) renderCaption(s.caption);
  if (keys.has("preview") && s.preview) drawPreview(s.preview);
  if (["network", "trace", "data", "selection"].some((k) => keys.has(k))) pictures?.render(s);
  renderPlots(s, keys);
}

// The loss landscape and the shares (analysis-panel.js and the modules only it uses) load when
// a weight or bias is first selected: the page's first paint does not wait for them.
// A pointer or the focus on the drawing loads them too; a lesson, which selects weights as its
// steps go, loads them before its first step.
let analysis = null;
let analysisLoading = null;

/** Load the landscape and the shares now; resolves when they render with the state. */
export function loadAnalysis() {
  analysisLoading ??= import("./analysis-panel.js").then((module) => {
    analysis = module;
    module.renderAnalysis(drawn(), new Set(["selection", "network", "trace", "playing"]));
  });
  return analysisLoading;
}

function renderAnalysis(s, keys) {
  if (analysis) analysis.renderAnalysis(s, keys);
  // Also once a step has begun, so that a weight clicked next shows at once (the panel starts
  // hidden, and stays so until a weight or bias is selected).
  else if (s.network && (s.selection?.kind === "edge" || s.selection?.kind === "bias" || s.trace)) loadAnalysis();
}

let pictures = null; // image-like inputs: weights and samples as pictures (pictures-view.js)

export function connectViews() {
  pictures = createPicturesView($("[data-pictures]"), { onSelect: (target) => store.set({ selection: target }) });
  hoverHistory($("[data-plot=loss]"), () => drawn().history, lossLines);
  hoverHistory($("[data-plot=grads]"), () => drawn().history.filter((e) => e.grad_norms?.length), gradLines);
  store.subscribe(render);
  const drawing = $("[data-network]");
  for (const type of ["pointerover", "focusin"]) drawing.addEventListener(type, () => loadAnalysis(), { once: true });
}
