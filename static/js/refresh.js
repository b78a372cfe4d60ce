// The store brought up to date with the server: the network, its history and step losses, the
// boundary plot and the neurons' health. Reads only; the actions that change things call these.

import * as api from "./api.js";
import { maxStepLosses, stillOnScreen, store } from "./context.js";
import { clearErrors, detailOf, setError } from "./messages.js";
import { neuronHealth } from "./neuron-health.js";
import { GRID_RESOLUTION, PLAY_GRID_RESOLUTION } from "./play-pace.js";

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
  const now = await api.getNetwork(network.id);
  if (stillOnScreen(network)) store.set({ network: now }); // else another network came on screen
}

/**
 * What the boundary plot draws: decision boundary (2-D), fitted curve (1-D), or for more
 * features a confusion matrix (classification) or predicted-vs-actual (regression); `snapshot` ({step} or {epoch}): at that timeline point.
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
  if (data.task !== "regression") return { kind: "confusion", outputs: res.outputs };
  return { kind: "parity", yhat: res.outputs.map((o) => o[0]) };
}

/** Redraw the boundary plot (and the neuron maps) from the network as it is now. */
export async function refreshPlots() {
  const { network, data } = store.get();
  if (!network || !data) return;
  try {
    const resolution = store.get().playing ? PLAY_GRID_RESOLUTION : GRID_RESOLUTION;
    const grid = await plotGrid(network, data, { resolution });
    if (!stillOnScreen(network)) return; // another network came on screen: it plots its own
    store.set({ grid });
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
