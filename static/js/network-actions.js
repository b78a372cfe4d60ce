// The network's lifecycle: preview the data, build or PATCH from the setup, adopt, refresh from the server.

import * as api from "./api.js";
import { $, animator, form, maxStepLosses, store } from "./context.js";
import { bold, setCaption } from "./captions.js";
import { dataSpec, describeChange, describeSettings, isInline, isUpload, patchFor, setupFromNetwork, toSpec } from "./setup.js";
import { toHash } from "./url-state.js";
import { clearErrors, detailOf, setError, status } from "./messages.js";
import { fmtVec } from "./format.js";
import { stopPlaying } from "./play.js";
import { neuronHealth } from "./neuron-health.js";

const GRID_RESOLUTION = 40;
const PLAY_GRID_RESOLUTION = 24; // while Play redraws every half second: a third of the points

/** Load the data the setup names for the scatter preview; returns its shape, or null on error. */
export async function loadPreview(setup) {
  try {
    const spec = dataSpec(setup);
    const data = isInline(setup)
      ? { ...setup.inline, raw_inputs: setup.inline.inputs } // hand-written rows: nothing to fetch
      : isUpload(setup) ? await api.getDataset(spec.dataset_id) : await api.previewDataset(spec);
    clearErrors("dataset");
    const shape = { nIn: data.inputs[0].length, nOut: data.targets[0].length, task: data.task };
    store.set({ preview: data, shape });
    return shape;
  } catch (err) {
    setError("dataset", detailOf(err));
    return null;
  }
}

/** What the next Forward sends: the picked sample, or the cursor's next sample or batch. */
export function describeNext() {
  const { network, data } = store.get();
  const v = $("[data-sample]").value;
  if (v !== "") return `sample #${v}`;
  const idx = network?.cursor?.next_indices ?? [];
  if (!idx.length) return "the next batch";
  if (idx.length === 1 && data) return `sample #${idx[0]} (x = ${fmtVec(data.inputs[idx[0]])})`;
  return `the next batch of ${idx.length} samples`;
}

/** `shape`: the data's, when the caller has just loaded the preview of this setup. */
export async function build(setup, { keepUrl = false, shape = null } = {}) {
  await stopPlaying();
  animator.skip();
  shape ??= await loadPreview(setup);
  if (!shape) return;
  status("Building the network…", true);
  try {
    const network = await api.createNetwork(toSpec(setup, shape));
    clearErrors("build", "phase", "predict");
    await adopt(network, setup, { keepUrl });
    setCaption([`A ${network.layers.join("–")} network is ready. Press `, bold("Forward"), ` (F) to send ${describeNext()} through it, or Epoch (E) / Play (Space) to train.`]);
    document.body.dataset.ready = "true";
  } catch (err) {
    setError("build", detailOf(err));
    status("The network could not be built");
  }
}

/**
 * Show `network` (just built or imported) in place of the current one, which is deleted.
 * `setup` is the form's description of it, or null when the form cannot describe it.
 */
export async function adopt(network, setup, { keepUrl = false } = {}) {
  const old = store.get().network;
  if (old && old.id !== network.id) api.deleteNetwork(old.id).catch(() => {});
  store.set({
    network, built: setup && structuredClone(setup), ...(setup ? { setup } : {}),
    trace: null, history: [], steps: [], grid: null, selection: null, gradcheck: null, caption: "",
  });
  if (setup && !keepUrl) history.replaceState(null, "", toHash(setup, network.id));
  const data = await api.networkData(network.id);
  store.set({ data });
  if (network.step > 0 || network.epoch > 0) await refreshHistory();
  await refreshPlots();
  status(`Ready · ${network.layers.join("–")} · ${network.n_parameters} parameters`);
}

/**
 * Open the server's network named by a link (`#net=<id>`), as it is now: trained weights and
 * history included. Returns false when this server does not know the id (the caller rebuilds).
 */
export async function openLinked(networkId, setup) {
  let network;
  try {
    network = await api.getNetwork(networkId);
  } catch (err) {
    if (err instanceof api.ApiError && err.status === 404) return false;
    throw err;
  }
  const described = setupFromNetwork(network, setup) ?? setup;
  const shape = await loadPreview(described);
  form.config.render(described, shape);
  await adopt(network, described);
  setCaption([
    bold("Opened"), ` the linked ${network.layers.join("–")} network as it is now: epoch ${network.epoch}, step ${network.step}. Press `,
    bold("Forward"), ` (F) to step through ${describeNext()}.`,
  ]);
  document.body.dataset.ready = "true";
  return true;
}

/**
 * Apply the form: PATCH hyperparameters when the shapes stay, otherwise build anew. Resolves
 * true once applied; false when the server refused the change: the form then shows the
 * settings in force again, and the error says why (`quiet`: no caption either way).
 */
export async function applySetup(setup, { quiet = false } = {}) {
  const { built, network } = store.get();
  const patch = built && network ? patchFor(built, setup) : null;
  if (patch && Object.keys(patch).length === 0) {
    history.replaceState(null, "", toHash(setup, network.id));
    return true;
  }
  if (!patch) {
    await build(setup);
    return true;
  }
  try {
    const next = await api.patchNetwork(network.id, patch);
    clearErrors("build");
    // The server discards a step in progress when hyperparameters change: so does the page.
    store.set({ network: next, built: structuredClone(setup), setup, trace: null });
    history.replaceState(null, "", toHash(setup, network.id));
    if (!quiet) setCaption([`Changed ${describeChange(built, setup)} without touching the weights: it applies from the next step.`]);
    return true;
  } catch (err) {
    // Nothing changed on the server: the form must not go on showing the refused value.
    const kept = structuredClone(built);
    form.config.render(kept, store.get().shape);
    store.set({ setup: kept });
    setError("build", `${detailOf(err)} Nothing changed: the network keeps ${describeSettings(built, Object.keys(patch))}.`);
    if (!quiet) setCaption([bold("Not applied"), `: ${detailOf(err)} The form shows the settings in force again.`]);
    return false;
  }
}

/** Replace the per-epoch history; append only the step losses we do not have yet. */
export async function refreshHistory() {
  const { network, steps } = store.get();
  if (!network) return;
  const last = steps.length ? steps[steps.length - 1].step : undefined;
  // Steps restart at 1 after a reset made elsewhere: then fetch them all again.
  const since = last !== undefined && network.step >= last ? last : undefined;
  const h = await api.history(network.id, since);
  const now = store.get();
  if (now.network?.id !== network.id) return; // rebuilt meanwhile: that build fetches its own
  // A reset, or another refresh, changed the steps while this one was on the way: start over
  // from what is there now rather than append to the wrong list.
  if (now.steps !== steps) return refreshHistory();
  const merged = since === undefined ? h.steps : steps.concat(h.steps);
  const cap = maxStepLosses();
  store.set({ history: h.history, steps: merged.length > cap ? merged.slice(-cap) : merged });
}

export async function refreshNetwork() {
  const { network } = store.get();
  if (!network) return;
  store.set({ network: await api.getNetwork(network.id) });
}

/**
 * What the boundary plot draws: decision boundary (2-D), fitted curve (1-D) or
 * predicted-vs-actual (more features); `snapshot` ({step} or {epoch}): at that timeline point.
 */
export async function plotGrid(network, data, { resolution = GRID_RESOLUTION, snapshot = null } = {}) {
  const at = snapshot ? { snapshot } : {};
  // Engineered features (x1², sin x1, …) widen the input layer; the plane is still (x1, x2).
  const nIn = data.raw_inputs?.[0]?.length ?? network.layers[0];
  if (nIn === 2) return { kind: "grid", ...(await api.predictGrid(network.id, resolution, snapshot)) };
  if (nIn === 1) {
    const xs = data.inputs.map((r) => r[0]);
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const pad = (hi - lo || 1) * 0.05;
    const line = Array.from({ length: 120 }, (_, k) => lo - pad + ((hi - lo + 2 * pad) * k) / 119);
    const res = await api.predict(network.id, { inputs: line.map((x) => [x]), ...at });
    return { kind: "curve", xs: line, ys: res.outputs.map((o) => o[0]) };
  }
  const res = await api.predict(network.id, { inputs: data.inputs, ...at });
  return { kind: "parity", yhat: res.outputs.map((o) => o[0]) };
}

/** Redraw the boundary plot (and the neuron maps) from the network as it is now. */
export async function refreshPlots() {
  const { network, data } = store.get();
  if (!network || !data) return;
  try {
    const resolution = store.get().playing ? PLAY_GRID_RESOLUTION : GRID_RESOLUTION;
    store.set({ grid: await plotGrid(network, data, { resolution }) });
    clearErrors("predict");
    await refreshNeuronHealth();
  } catch (err) {
    setError("predict", detailOf(err));
  }
}

/** Mark saturated and dead neurons, from the activations over every training sample. */
async function refreshNeuronHealth() {
  const { network, data, playing } = store.get();
  if (playing) return; // judged again once Play pauses, not between its train calls
  const inputs = data.train_indices.map((k) => data.inputs[k]);
  if (!inputs.length) return;
  const res = await api.predict(network.id, { inputs });
  if (store.get().network?.id === network.id) store.set({ neuronHealth: neuronHealth(res.layers, network.activations) });
}
