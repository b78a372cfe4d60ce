// Wires the panels to the store and the API. Actions change the store; panels render from it.

import * as api from "./api.js";
import { createStore } from "./store.js";
import { createAnimator } from "./animator.js";
import { createNetworkView } from "./network-view.js";
import { createInspector } from "./inspector.js";
import { createConfigPanel } from "./config-panel.js";
import { DEFAULT_SETUP, PAIRINGS, applyDatasetDefaults, dataSpec, fromHash, isUpload, patchFor, setupFromNetwork, toHash, toSpec } from "./setup.js";
import { fmt, fmtVec, numSpan, showNumber } from "./format.js";
import { GRAD, NEG_CSS, POS_CSS, activationColour } from "./palette.js";
import * as plots from "./plots.js";

const $ = (sel) => document.querySelector(sel);
const SPEEDS = [0, 0.25, 0.5, 1, 2, 4];
const PHASES = ["forward", "loss", "backward", "update"];
const GRID_RESOLUTION = 40;

const store = createStore({
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
  selection: null,
  gradcheck: null, // {key, res} of the last gradient check
  playing: false,
  caption: "",
});

// A log the browser tests (and curious learners in the console) can read.
const events = [];
window.backpropExplorer = { events, getState: () => store.get() };
const emit = (e) => events.push({ ...e, t: Math.round(performance.now()) });

const animator = createAnimator();
const inspector = createInspector({ body: $("[data-inspector-body]"), tooltip: $("[data-tooltip]") });
const view = createNetworkView($("[data-network]"), {
  emit,
  onHover: (target, evt) => {
    const s = store.get();
    inspector.showTooltip(target, evt, { network: s.network, trace: s.trace });
  },
  onLeave: () => inspector.hideTooltip(),
  onSelect: (target) => store.set({ selection: target }),
});
let config = null;

// ---- messages ------------------------------------------------------------------------------

function setError(key, text) {
  const node = document.querySelector(`[data-error="${key}"]`);
  if (node) node.textContent = text || "";
}
function clearErrors(...keys) {
  for (const k of keys) setError(k, "");
}
function status(text, busy = false) {
  const node = $("[data-status]");
  node.textContent = text;
  node.classList.toggle("busy", busy);
}
const detailOf = (err) => (err instanceof api.ApiError ? err.detail : `Unexpected error: ${err.message}`);

// ---- data and network lifecycle ------------------------------------------------------------

async function loadPreview(setup) {
  try {
    const spec = dataSpec(setup);
    const data = isUpload(setup) ? await api.getDataset(spec.dataset_id) : await api.previewDataset(spec);
    clearErrors("dataset");
    const shape = { nIn: data.inputs[0].length, nOut: data.targets[0].length, task: data.task };
    store.set({ preview: data, shape });
    return shape;
  } catch (err) {
    setError("dataset", detailOf(err));
    return null;
  }
}

function applyPairing(setup, task) {
  const pair = PAIRINGS[task];
  if (pair) Object.assign(setup, pair);
  return setup;
}

/** `shape`: the data's, when the caller has just loaded the preview of this setup. */
async function build(setup, { keepUrl = false, shape = null } = {}) {
  await stopPlaying();
  animator.skip();
  shape ??= await loadPreview(setup);
  if (!shape) return;
  status("Building the network…", true);
  try {
    const network = await api.createNetwork(toSpec(setup, shape));
    clearErrors("build", "phase", "predict");
    await adopt(network, setup, { keepUrl });
    setCaption([`A ${network.layers.join("–")} network is ready. Press `, B("Forward"), ` (F) to send ${describeNext()} through it, or Epoch (E) / Play (Space) to train.`]);
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
async function adopt(network, setup, { keepUrl = false } = {}) {
  const old = store.get().network;
  if (old && old.id !== network.id) api.deleteNetwork(old.id).catch(() => {});
  store.set({
    network, built: setup && structuredClone(setup), ...(setup ? { setup } : {}),
    trace: null, history: [], steps: [], grid: null, selection: null, gradcheck: null, caption: "",
  });
  if (setup && !keepUrl) history.replaceState(null, "", toHash(setup));
  const data = await api.networkData(network.id);
  store.set({ data });
  if (network.step > 0 || network.epoch > 0) await refreshHistory();
  await refreshPlots();
  status(`Ready · ${network.layers.join("–")} · ${network.n_parameters} parameters`);
}

// ---- gradient check, export and import -----------------------------------------------------

async function checkGradients() {
  const { network } = store.get();
  if (!network) return;
  await guarded(async () => {
    status("Checking gradients by finite differences…", true);
    try {
      const res = await api.gradcheck(network.id);
      clearErrors("gradcheck");
      store.set({ gradcheck: { key: gradcheckKey(store.get().network), res } });
      emit({ action: "gradcheck", max_rel_error: res.max_rel_error, passed: res.passed });
    } catch (err) {
      setError("gradcheck", detailOf(err));
    } finally {
      status(`Ready · epoch ${store.get().network.epoch}`);
    }
  });
}
/** A gradient check holds for these weights and this batch only. */
const gradcheckKey = (n) => `${n.id}:${n.step}:${n.epoch}:${n.cursor?.batch_index}`;

async function exportNetwork() {
  const { network } = store.get();
  if (!network) return;
  try {
    const doc = await api.exportNetwork(network.id);
    clearErrors("import");
    const blob = new Blob([JSON.stringify(doc, null, 1)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `backprop-explorer-${network.layers.join("-")}-epoch${network.epoch}.json`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    emit({ action: "export", id: network.id });
  } catch (err) {
    setError("import", detailOf(err));
  }
}

async function importNetwork(file) {
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch {
    setError("import", `${file.name} is not JSON: choose a file saved with Export.`);
    return;
  }
  await stopPlaying();
  animator.skip();
  status("Importing the network…", true);
  try {
    const network = await api.importNetwork(doc);
    clearErrors("import", "build", "phase", "predict");
    const setup = setupFromNetwork(network, store.get().setup);
    if (setup) {
      const shape = await loadPreview(setup);
      config.render(setup, shape);
      $("[data-dirty]").textContent = "";
    }
    await adopt(network, setup);
    if (!setup) {
      history.replaceState(null, "", location.pathname);
      store.set({ preview: store.get().data });
    }
    setCaption([
      B("Imported"), `: a ${network.layers.join("–")} network at epoch ${network.epoch}, step ${network.step}, with its weights, optimizer state and history.`,
      setup ? "" : " Its data was given inline, which the form cannot show: Build network replaces it with the form's setup.",
    ]);
    emit({ action: "import", id: network.id });
  } catch (err) {
    setError("import", detailOf(err));
    status(`Ready · epoch ${store.get().network?.epoch ?? 0}`);
  }
}

/** Apply the form: PATCH hyperparameters when the shapes stay, otherwise build anew. */
async function applySetup(setup) {
  const { built, network } = store.get();
  const patch = built && network ? patchFor(built, setup) : null;
  if (patch && Object.keys(patch).length === 0) {
    history.replaceState(null, "", toHash(setup));
    return;
  }
  if (!patch) return build(setup);
  try {
    const next = await api.patchNetwork(network.id, patch);
    clearErrors("build");
    store.set({ network: next, built: structuredClone(setup), setup });
    history.replaceState(null, "", toHash(setup));
    setCaption([`Changed ${Object.keys(patch).join(", ").replace(/_/g, " ")} without resetting the weights.`]);
  } catch (err) {
    setError("build", detailOf(err));
  }
}

const MAX_STEPS = 10_000; // as many step losses as the server keeps

/** Replace the per-epoch history; append only the step losses we do not have yet. */
async function refreshHistory() {
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
  store.set({ history: h.history, steps: merged.length > MAX_STEPS ? merged.slice(-MAX_STEPS) : merged });
}

async function refreshNetwork() {
  const { network } = store.get();
  if (!network) return;
  store.set({ network: await api.getNetwork(network.id) });
}

/** Decision boundary (2-D), fitted curve (1-D) or predicted-vs-actual (more features). */
async function refreshPlots() {
  const { network, data } = store.get();
  if (!network || !data) return;
  const nIn = network.layers[0];
  try {
    if (nIn === 2) {
      const grid = await api.predict(network.id, { grid: { resolution: GRID_RESOLUTION } });
      store.set({ grid: { kind: "grid", ...grid } });
    } else if (nIn === 1) {
      const xs = data.inputs.map((r) => r[0]);
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      const pad = (hi - lo || 1) * 0.05;
      const line = Array.from({ length: 120 }, (_, k) => lo - pad + ((hi - lo + 2 * pad) * k) / 119);
      const res = await api.predict(network.id, { inputs: line.map((x) => [x]) });
      store.set({ grid: { kind: "curve", xs: line, ys: res.outputs.map((o) => o[0]) } });
    } else {
      const res = await api.predict(network.id, { inputs: data.inputs });
      store.set({ grid: { kind: "parity", yhat: res.outputs.map((o) => o[0]) } });
    }
    clearErrors("predict");
  } catch (err) {
    setError("predict", detailOf(err));
  }
}

// ---- phases --------------------------------------------------------------------------------

function sampleBody() {
  const v = $("[data-sample]").value;
  return v === "" ? {} : { indices: [Number(v)] };
}

function describeNext() {
  const { network, data } = store.get();
  const v = $("[data-sample]").value;
  if (v !== "") return `sample #${v}`;
  const idx = network?.cursor?.next_indices ?? [];
  if (!idx.length) return "the next batch";
  if (idx.length === 1 && data) return `sample #${idx[0]} (x = ${fmtVec(data.inputs[idx[0]])})`;
  return `the next batch of ${idx.length} samples`;
}

let busy = false;
let pending = Promise.resolve();
let playLoop = Promise.resolve(); // the running Play, settled once its last request landed
/** One action at a time. A new action during an animation skips it rather than being ignored. */
async function guarded(fn) {
  // A paused Play may still be landing its last train call and refreshing the network;
  // an action that started now could be overwritten by that stale refresh.
  await playLoop;
  if (busy) {
    if (!animator.running) return;
    animator.skip();
    await pending;
    if (busy) return;
  }
  busy = true;
  document.body.dataset.busy = "true";
  pending = (async () => {
    try {
      await fn();
    } finally {
      busy = false;
      document.body.dataset.busy = "false";
    }
  })();
  await pending;
}

const WHILE = {
  forward: "the inputs travel through the network layer by layer",
  loss: "the output ŷ is compared with the target y",
  backward: "the gradient travels back from the output, layer by layer",
  update: "each weight moves from its old value to its new one",
};

const NEEDS = {
  loss: ["forward", "Loss compares the network's output ŷ with the target, so it needs a forward pass first: press Forward (F)."],
  backward: ["loss", "Backward starts from the loss gradient ∂L/∂a, so run Loss (L) first."],
  update: ["backward", "Update moves each weight against its ∂L/∂w, so run Backward (B) first."],
};

/** Phase the current step has reached: "ready", "forward", "loss", "backward" or "update". */
function currentPhase(trace) {
  return trace?.update ? "update" : trace?.backward ? "backward" : trace?.loss ? "loss" : trace?.forward ? "forward" : "ready";
}

/** The drawing's animation of one phase's result. */
function stagesFor(name, res) {
  const make = { forward: view.forwardStages, loss: view.lossStages, backward: view.backwardStages, update: view.updateStages };
  return make[name](res);
}

/** After an update or a step: fetch the new weights and history while it animates, then explain and replot. */
async function landUpdate(animation, name, trace) {
  await Promise.all([refreshNetwork(), refreshHistory()]);
  await animation;
  setCaption(captionFor(name, trace));
  await refreshPlots();
}

async function runPhase(name) {
  const { network } = store.get();
  if (!network || store.get().playing) return;
  await guarded(async () => {
    const need = NEEDS[name];
    if (need && currentPhase(store.get().trace) !== need[0]) {
      // Said here rather than by a 409 round trip; the server enforces the same order.
      setError("phase", `Out of order: ${need[1]}`);
      emit({ phase: name, error: "out of order" });
      return;
    }
    let res;
    try {
      res = await api.phase(network.id, name, name === "forward" ? sampleBody() : {});
    } catch (err) {
      setError("phase", detailOf(err));
      emit({ phase: name, error: detailOf(err) });
      return;
    }
    clearErrors("phase");
    const trace = name === "forward" ? { forward: res } : { ...store.get().trace, [name]: res };
    store.set({ trace });
    // While it animates, say what is happening; the numbers follow when it lands.
    setCaption([B(name[0].toUpperCase() + name.slice(1)), `: ${WHILE[name]}… (Esc skips)`]);
    const animation = animator.run(stagesFor(name, res));
    if (name === "update") {
      await landUpdate(animation, name, trace);
    } else {
      await animation;
      setCaption(captionFor(name, trace));
    }
    store.set({ trace: store.get().trace }); // repaint the inspector with the final state
  });
}

async function runStep() {
  const { network } = store.get();
  if (!network || store.get().playing) return;
  animator.skip();
  await guarded(async () => {
    let res;
    try {
      res = await api.phase(network.id, "step", sampleBody());
    } catch (err) {
      setError("phase", detailOf(err));
      return;
    }
    clearErrors("phase");
    const trace = { forward: res.forward, loss: res.loss, backward: res.backward, update: res.update };
    store.set({ trace });
    setCaption([B("Step"), ": forward, loss, backward and update in one go… (Esc skips)"]);
    const quick = (stages) => stages.map((s) => ({ ...s, duration: s.duration * 0.5 }));
    const animation = animator.run(PHASES.flatMap((p) => quick(stagesFor(p, res[p]))));
    await landUpdate(animation, "step", trace);
    store.set({ trace: store.get().trace });
  });
}

async function runEpoch() {
  const { network } = store.get();
  if (!network || store.get().playing) return;
  animator.skip();
  await guarded(async () => {
    status("Training one epoch…", true);
    try {
      const res = await api.epoch(network.id);
      clearErrors("phase");
      store.set({ network: res.network, trace: null });
      await refreshHistory();
      await refreshPlots();
      const e = res.summary;
      setCaption([
        B(`Epoch ${e.epoch}`),
        " finished: every remaining training sample went through forward, loss, backward and update. Training loss ",
        N(e.train_loss),
        ...(e.val_loss !== null ? [", validation loss ", N(e.val_loss)] : []),
        ...(e.train_accuracy !== null ? [", training accuracy ", N(100 * e.train_accuracy), " %"] : []),
        ".",
      ]);
      emit({ phase: "epoch", epoch: e.epoch });
    } catch (err) {
      setError("phase", detailOf(err));
    } finally {
      status(`Ready · epoch ${store.get().network.epoch}`);
    }
  });
}

async function reset() {
  const { network } = store.get();
  if (!network) return;
  await stopPlaying();
  animator.skip();
  await guarded(async () => {
    try {
      const next = await api.resetNetwork(network.id);
      clearErrors("phase");
      store.set({ network: next, trace: null, history: [], steps: [], selection: store.get().selection });
      await refreshPlots();
      setCaption([B("Reset"), ": the weights are back to their seeded initial values and the history is cleared."]);
      emit({ phase: "reset" });
    } catch (err) {
      setError("phase", detailOf(err));
    }
  });
}

// ---- play / pause --------------------------------------------------------------------------

let playAbort = null;
async function play() {
  const { network, catalog } = store.get();
  if (!network || store.get().playing) return;
  animator.skip();
  store.set({ playing: true, trace: null });
  setCaption([B("Playing"), ": whole epochs run on the server; the plots and the drawing update as they finish. Press Pause (Space) to stop."]);
  let chunk = 1;
  let failed = false;
  const early = earlyStopping();
  // The server counts patience within one train call, but Play trains in short calls to
  // redraw between them; so the count across calls is kept here, and no call is longer than
  // the patience left, so Play stops at the same epoch one long call would.
  let best = Infinity;
  let waited = 0;
  let stoppedAt = null;
  try {
    while (store.get().playing) {
      const t0 = performance.now();
      playAbort = new AbortController();
      const limit = early ? Math.min(catalog.limits.max_epochs, early.patience - waited) : catalog.limits.max_epochs;
      const done = await api.trainStream(
        network.id,
        { epochs: Math.min(chunk, limit), ...(early ? { early_stopping: { patience: early.patience, min_delta: early.min_delta } } : {}) },
        (entry) => {
          const s = store.get();
          store.set({ history: [...s.history, entry] });
          status(`Playing · epoch ${entry.epoch} · loss ${fmt(entry.train_loss)}`, true);
          const monitored = entry.val_loss ?? entry.train_loss;
          if (monitored < best - (early?.min_delta ?? 0)) [best, waited] = [monitored, 0];
          else waited += 1;
        },
        { signal: playAbort.signal },
      );
      if (done?.network) store.set({ network: done.network });
      await refreshPlots();
      // Aim for about half a second of training between boundary redraws.
      const perEpoch = (performance.now() - t0) / Math.max(1, done?.epochs_run ?? chunk);
      chunk = Math.max(1, Math.min(50, Math.round(500 / Math.max(1, perEpoch))));
      if (done?.stopped_early || (early && waited >= early.patience)) {
        stoppedAt = store.get().network.epoch;
        break;
      }
    }
  } catch (err) {
    if (err.name !== "AbortError") {
      setError("phase", detailOf(err));
      failed = true;
    }
  } finally {
    playAbort = null;
    store.set({ playing: false });
    await refreshNetwork().catch(() => {});
    await refreshHistory().catch(() => {});
    const last = store.get().history.at(-1);
    status(stoppedAt !== null ? `Stopped early at epoch ${stoppedAt}` : `Paused · epoch ${store.get().network?.epoch ?? 0}`);
    setCaption([
      ...(stoppedAt !== null
        ? [B(`Stopped early at epoch ${stoppedAt}`), ` (no better ${early.monitor} loss for ${early.patience} epochs)`]
        : [B(failed ? "Stopped" : "Paused"), ` after epoch ${store.get().network?.epoch ?? 0}`]),
      ...(last ? [": training loss ", N(last.train_loss), ...(last.val_loss !== null ? [", validation loss ", N(last.val_loss)] : [])] : []),
      ". Press Forward (F) to step through a sample with the trained weights, or Play (Space) to continue.",
    ]);
  }
}

/** The early_stopping body for train when the box is ticked, else null. */
function earlyStopping() {
  if (!$("[data-early]").checked) return null;
  const input = $("[data-patience]");
  const patience = Math.round(Number(input.value));
  const ok = Number.isFinite(patience) && patience >= 1;
  input.classList.toggle("invalid", !ok);
  const p = ok ? Math.min(patience, 1000) : 10;
  const monitor = store.get().network?.cursor?.n_validation > 0 ? "validation" : "training";
  return { patience: p, min_delta: 0, monitor };
}

/** Ask a running Play to stop; the promise settles once its last request has landed. */
function stopPlaying() {
  if (store.get().playing) {
    store.set({ playing: false });
    const { network } = store.get();
    if (network) api.stopTraining(network.id).catch(() => {});
  }
  return playLoop;
}

function togglePlay() {
  if (store.get().playing) stopPlaying();
  else playLoop = play();
}

// ---- captions ------------------------------------------------------------------------------

function setCaption(parts) {
  store.set({ caption: parts });
}

/** Caption segments: strings, {b: text} for bold, {n: number} for a value with full precision on hover. */
const B = (b) => ({ b });
const N = (n) => ({ n });
const VEC = (xs) => (xs.length === 1 ? [N(xs[0])] : ["(", ...xs.flatMap((x, k) => (k ? [", ", N(x)] : [N(x)])), ")"]);

/** Plain-language account of what the phase just did, with the API's numbers (row 1). */
function captionFor(name, trace) {
  const { network } = store.get();
  const L = network.layers.length - 1;
  const f = trace.forward;
  const B1 = f?.batch_size ?? f?.inputs.length ?? 1;
  const batchText = B1 > 1 ? ` (batch of ${B1}; the drawing shows sample 1)` : "";
  if (name === "forward") {
    return [
      B("Forward"), `${batchText}: x = `, ...VEC(f.inputs[0]),
      " flowed left to right. Each neuron took z = Σ w·a + b of the layer before and applied its activation a = f(z). The output is ŷ = ",
      ...VEC(f.output[0]), ". Next: Loss compares it with the target.",
    ];
  }
  if (name === "loss") {
    const l = trace.loss;
    return [
      B("Loss"), ": comparing ŷ = ", ...VEC(l.output[0]), " with the target y = ", ...VEC(l.targets[0]), " gives L = ", N(l.loss),
      ` (${network.loss.replace(/_/g, " ")}`, ...(l.penalty ? [" + penalty ", N(l.penalty)] : []), "). Its slope at the output, ∂L/∂a = ",
      ...VEC(l.dL_da[0]), ", is where backpropagation starts.",
    ];
  }
  if (name === "backward") {
    const out = trace.backward.layers.find((ly) => ly.index === L);
    const flags = trace.backward.health;
    const first =
      out.da_dz === null
        ? [`At the ${network.activations[L - 1]} output, ∂L/∂z = `, ...VEC(out.dL_dz[0]), " comes straight from the loss (ŷ − y form)."]
        : ["The gradient ∂L/∂a = ", ...VEC(out.dL_da[0]), " at the output is multiplied by f′(z) = ", ...VEC(out.da_dz[0]), " to give δ = ∂L/∂z = ", ...VEC(out.dL_dz[0]), "."];
    const health = flags.vanishing ? " Some layers' gradients are vanishing." : flags.exploding ? " Some gradients are exploding." : "";
    return [
      B("Backward"), `${batchText}: `, ...first,
      " Each weight's ∂L/∂w = δ · (the input it multiplies); each hidden layer gets δ = f′(z) · Σ w·δ from the layer after it. Thicker purple pulses and glows mean larger |∂L/∂w|.",
      health,
    ];
  }
  if (name === "update" || name === "step") {
    const u = trace.update;
    const rule = u.optimizer === "sgd" ? ["w ← w − η·∂L/∂w with η = ", N(u.learning_rate)] : [`${u.optimizer} steps with η = `, N(u.learning_rate)];
    return [
      ...(name === "step" ? [B("Step"), ": forward, loss, backward and update in one go. "] : [B("Update"), ": "]),
      "every weight and bias moved against its gradient (", ...rule, "). On this batch the loss went from ", N(trace.loss?.loss),
      " to ", N(u.loss_after), ".", u.epoch_completed ? ` That was the last batch of epoch ${u.epoch}.` : "",
    ];
  }
  return [];
}

// ---- rendering -----------------------------------------------------------------------------

function renderPhaseButtons(s) {
  const phase = currentPhase(s.trace);
  const k = PHASES.indexOf(phase);
  const nextPhase = phase === "ready" || phase === "update" ? "forward" : PHASES[k + 1];
  document.querySelectorAll("[data-phase-button]").forEach((btn) => {
    const p = btn.dataset.phaseButton;
    const i = PHASES.indexOf(p);
    btn.classList.toggle("current", p === phase);
    btn.classList.toggle("done", k >= 0 && i < k);
    btn.classList.toggle("next", p === nextPhase);
    btn.setAttribute("aria-current", p === phase ? "step" : "false");
    btn.disabled = s.playing;
  });
  $("[data-phases]").dataset.phase = phase;
  for (const a of ["step", "epoch"]) $(`[data-action=${a}]`).disabled = s.playing;
  const playBtn = $("[data-action=play]");
  playBtn.setAttribute("aria-pressed", String(s.playing));
  // Icons are inline SVG: Debian's fonts have no ⏸ glyph, so a character would show as a box.
  playBtn.querySelector("[data-icon=play]").toggleAttribute("hidden", s.playing);
  playBtn.querySelector("[data-icon=pause]").toggleAttribute("hidden", !s.playing);
  $("[data-play-label]").textContent = s.playing ? "Pause" : "Play";
}

function renderSamplePicker(s) {
  const sel = $("[data-sample]");
  const key = `${s.network?.id}:${s.data?.train_indices?.length}`;
  if (sel.dataset.key !== key && s.data) {
    const keep = sel.value;
    sel.replaceChildren();
    const next = document.createElement("option");
    next.value = "";
    next.textContent = "next in the epoch";
    sel.appendChild(next);
    for (const idx of s.data.train_indices.slice(0, 400)) {
      const o = document.createElement("option");
      o.value = String(idx);
      o.textContent = `#${idx}: x = ${fmtVec(s.data.inputs[idx])}, y = ${fmtVec(s.data.targets[idx])}`;
      sel.appendChild(o);
    }
    sel.value = [...sel.options].some((o) => o.value === keep) ? keep : "";
    sel.dataset.key = key;
  }
  const first = sel.options[0];
  if (first && s.network) {
    const idx = s.network.cursor.next_indices;
    first.textContent = idx.length === 1 ? `next in the epoch (#${idx[0]})` : `next batch (${idx.length} samples)`;
  }
}

function renderMeta(s) {
  const n = s.network;
  if (!n) return;
  $("[data-meta-epoch]").textContent = `epoch ${n.epoch}`;
  $("[data-meta-step]").textContent = `step ${n.step}`;
  const c = n.cursor;
  $("[data-meta-batch]").textContent = `batch ${c.batch_index + 1} of ${c.batches_per_epoch} · batch size ${c.batch_size} · ${c.n_train} train / ${c.n_validation} validation`;
  const legend = $("[data-legend]");
  legend.replaceChildren();
  const item = (node, text) => {
    const span = document.createElement("span");
    span.className = "item";
    span.append(node, document.createTextNode(text));
    legend.appendChild(span);
  };
  const bar = (c) => {
    const b = document.createElement("span");
    b.className = "bar";
    b.style.background = c;
    return b;
  };
  item(bar(POS_CSS), "w > 0");
  item(bar(NEG_CSS), "w < 0");
  item(bar(GRAD), "gradient");
  for (const a of [...new Set(n.activations)]) {
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.borderColor = activationColour(a);
    item(dot, a.replace(/_/g, " "));
  }
}

function renderReadout(s) {
  const tbody = $("[data-yhat] tbody");
  tbody.replaceChildren();
  const t = s.trace;
  showNumber($("[data-loss-value]"), t?.loss?.loss);
  showNumber($("[data-loss-after]"), t?.update?.loss_after);
  const health = $("[data-health]");
  health.textContent = "";
  if (!t?.forward) return;
  const f = t.forward;
  const rows = Math.min(f.inputs.length, 6);
  for (let r = 0; r < rows; r++) {
    const tr = document.createElement("tr");
    const cells = [f.indices ? `#${f.indices[r]}` : String(r + 1), fmtVec(f.inputs[r]), fmtVec(f.output[r]), t.loss ? fmtVec(t.loss.targets[r]) : "—"];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  const batch = f.batch_size ?? f.inputs.length;
  if (batch > rows) health.textContent = `… and ${batch - rows} more samples in this batch.`;
  const h = t.backward?.health;
  if (h?.vanishing || h?.exploding) {
    const bad = h.layers.filter((ly) => ly.status !== "ok").map((ly) => `layer ${ly.index} ${ly.status}`);
    health.textContent = `Gradient health: ${bad.join(", ")}.`;
  }
}

function renderPlots(s, keys) {
  if (keys.has("history") || keys.has("network")) {
    plots.drawLoss($("[data-plot=loss]"), s.history);
    plots.drawGradNorms($("[data-plot=grads]"), s.history, $("[data-grad-legend]"), s.catalog?.health_thresholds);
    const last = s.history[s.history.length - 1];
    $("[data-loss-summary]").textContent = last ? ` · epoch ${last.epoch}: ${fmt(last.train_loss)}${last.val_loss !== null ? ` / ${fmt(last.val_loss)}` : ""}` : "";
  }
  if (keys.has("steps") || keys.has("network")) plots.drawSteps($("[data-plot=steps]"), s.steps);
  if (keys.has("grid") || keys.has("data")) {
    const canvas = $("[data-plot=boundary]");
    const title = $("[data-boundary-title]");
    const maps = $("[data-neuron-maps]");
    const g = s.grid;
    if (!g || !s.data) return;
    const valSet = new Set(s.data.val_indices);
    if (g.kind === "grid") {
      title.textContent = s.data.task === "regression" ? "Prediction over the input plane" : "Decision boundary";
      plots.drawBoundary(canvas, g, s.data, valSet);
      plots.drawNeuronMaps(maps, g, s.network.activations);
    } else if (g.kind === "curve") {
      title.textContent = "Fitted curve";
      plots.drawCurve(canvas, g.xs, g.ys, s.data, valSet);
      maps.replaceChildren();
    } else {
      title.textContent = "Predicted vs actual";
      plots.drawParity(canvas, g.yhat, s.data);
      maps.replaceChildren();
    }
  }
}

let drawnArch = ""; // network id, sizes and activations the SVG was built for
store.subscribe((s, keys) => {
  if (keys.has("network") && s.network) {
    const sizes = s.network.layers;
    const archKey = `${s.network.id}:${sizes.join("-")}:${s.network.activations.join(",")}`;
    if (drawnArch !== archKey) {
      view.build({ sizes, activations: s.network.activations, featureNames: s.network.feature_names, targetNames: s.network.target_names });
      drawnArch = archKey;
      view.showTrace(s.trace);
    }
    if (!animator.running) view.setParams(s.network.parameters.weights, s.network.parameters.biases);
    renderMeta(s);
  }
  if (keys.has("trace") && !animator.running && s.network) view.showTrace(s.trace);
  if (keys.has("trace") || keys.has("playing") || keys.has("network")) renderPhaseButtons(s);
  if (keys.has("trace")) renderReadout(s);
  if (keys.has("network") || keys.has("data")) renderSamplePicker(s);
  if (keys.has("selection") || keys.has("trace") || keys.has("network")) {
    view.select(s.selection);
    inspector.render(s.selection, { network: s.network, trace: s.trace });
  }
  if (keys.has("gradcheck") || keys.has("network")) renderGradcheck(s);
  if (keys.has("caption")) renderCaption(s.caption);
  if (keys.has("preview") && s.preview) plots.drawScatter($("[data-preview]"), s.preview);
  renderPlots(s, keys);
});

function renderGradcheck(s) {
  const box = $("[data-gradcheck]");
  const g = s.gradcheck;
  // Stale once the weights or the batch change: show nothing rather than an old verdict.
  if (!g || !s.network || g.key !== gradcheckKey(s.network)) {
    box.replaceChildren();
    return;
  }
  const r = g.res;
  const fact = (name, x) => {
    const span = numSpan(x);
    span.dataset.fact = name;
    return span;
  };
  const p = document.createElement("p");
  const verdict = document.createElement("span");
  verdict.className = `verdict ${r.passed ? "pass" : "fail"}`;
  verdict.dataset.passed = String(r.passed);
  verdict.textContent = r.passed ? "✓ Passed" : "✗ Failed";
  p.append(
    verdict, ": max relative error ", fact("max_rel_error", r.max_rel_error), " (tolerance ", fact("tolerance", r.tolerance),
    `) over ${r.n_parameters} parameters, ε = `, fact("epsilon", r.epsilon), ".",
  );
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const t of ["layer", "max relative error"]) {
    const th = document.createElement("th");
    th.textContent = t;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const layer of r.layers) {
    const tr = body.insertRow();
    tr.dataset.layer = String(layer.index);
    tr.insertCell().textContent = String(layer.index);
    tr.insertCell().appendChild(numSpan(layer.max_rel_error));
  }
  box.replaceChildren(p, table);
}

function renderCaption(parts) {
  const p = $("[data-caption]");
  p.replaceChildren();
  for (const part of parts || []) {
    if (typeof part === "string") p.appendChild(document.createTextNode(part));
    else if (part.b !== undefined) {
      const b = document.createElement("strong");
      b.textContent = part.b;
      p.appendChild(b);
    } else if (part.n !== undefined) p.appendChild(numSpan(part.n));
  }
}

// ---- controls and keyboard -----------------------------------------------------------------

function wireControls() {
  document.querySelectorAll("[data-phase-button]").forEach((btn) => btn.addEventListener("click", () => runPhase(btn.dataset.phaseButton)));
  $("[data-action=step]").addEventListener("click", runStep);
  $("[data-action=epoch]").addEventListener("click", runEpoch);
  $("[data-action=play]").addEventListener("click", togglePlay);
  $("[data-action=reset]").addEventListener("click", reset);
  $("[data-action=gradcheck]").addEventListener("click", checkGradients);
  $("[data-action=export]").addEventListener("click", exportNetwork);
  const importInput = $("[data-import]");
  importInput.addEventListener("change", async () => {
    const file = importInput.files[0];
    if (file) await importNetwork(file);
    importInput.value = ""; // choosing the same file again imports it again
  });
  $("[data-action=skip]").addEventListener("click", () => animator.skip());
  const speed = $("[data-speed]");
  const applySpeed = () => {
    const v = SPEEDS[Number(speed.value)];
    animator.setSpeed(v);
    $("[data-speed-label]").textContent = v === 0 ? "off" : `${v}×`;
  };
  speed.addEventListener("input", applySpeed);
  applySpeed();
  $("[data-sample]").addEventListener("change", () => clearErrors("phase"));

  const keys = {
    f: () => runPhase("forward"),
    l: () => runPhase("loss"),
    b: () => runPhase("backward"),
    u: () => runPhase("update"),
    s: runStep,
    e: runEpoch,
    r: reset,
    " ": togglePlay,
    escape: () => animator.skip(),
    "+": () => nudgeSpeed(1),
    "=": () => nudgeSpeed(1),
    "-": () => nudgeSpeed(-1),
  };
  function nudgeSpeed(d) {
    speed.value = String(Math.max(0, Math.min(SPEEDS.length - 1, Number(speed.value) + d)));
    applySpeed();
  }
  document.addEventListener("keydown", (evt) => {
    if (evt.ctrlKey || evt.metaKey || evt.altKey) return;
    const t = evt.target;
    const typing = t.closest?.("input, select, textarea, [contenteditable]");
    if (typing && evt.key !== "Escape") return;
    // Space on a focused button activates that button; elsewhere it toggles Play.
    if (evt.key === " " && t.closest?.("button, [role=button]")) return;
    const fn = keys[evt.key.toLowerCase()];
    if (!fn) return;
    evt.preventDefault();
    fn();
  });
}

// ---- start ---------------------------------------------------------------------------------

async function start() {
  wireControls();
  status("Loading the catalog…", true);
  let catalog;
  try {
    catalog = await api.catalog();
  } catch (err) {
    status(`Cannot load the catalog: ${detailOf(err)}`);
    return;
  }
  store.set({ catalog });
  const setup = fromHash(location.hash);
  if (!catalog.datasets.some((d) => d.name === setup.ds) && !isUpload(setup)) setup.ds = DEFAULT_SETUP.ds;
  config = createConfigPanel($("[data-config]"), catalog, {
    onEdit: async (next, { datasetChanged, structural } = {}) => {
      const prev = store.get().setup;
      const dataChanged = ["n", "noise", "classes", "dseed"].some((k) => next[k] !== prev[k]);
      if (datasetChanged || structural || dataChanged || next.ds !== prev.ds) {
        // A newly picked dataset brings settings that suit it (before the preview: they may
        // set the number of classes); the output and loss follow from its task, which a
        // change in the number of classes can change too (spiral: 2 binary, 3 multiclass).
        if (datasetChanged) applyDatasetDefaults(next);
        const taskBefore = store.get().shape?.task;
        const shape = await loadPreview(next);
        if (shape && (datasetChanged || shape.task !== taskBefore)) {
          if (datasetChanged && isUpload(next)) applyDatasetDefaults(next, shape.task);
          applyPairing(next, shape.task);
        }
        config.render(next, shape);
      } else {
        config.render(next);
      }
      store.set({ setup: next });
      const dirty = JSON.stringify(next) !== JSON.stringify(store.get().built);
      $("[data-dirty]").textContent = dirty ? "Changed: press Build network to apply." : "";
    },
    onBuild: async (next) => {
      $("[data-dirty]").textContent = "";
      await applySetup(next);
    },
    onUpload: async (fd, hasFile) => {
      if (!hasFile) {
        setError("upload", "Choose a CSV file first.");
        return;
      }
      try {
        const info = await api.uploadDataset(fd);
        clearErrors("upload");
        config.setUploaded(info);
        const next = config.read();
        next.ds = `upload:${info.dataset_id}`;
        const shape = await loadPreview(next);
        if (shape) applyPairing(applyDatasetDefaults(next, shape.task), shape.task);
        config.render(next, shape);
        store.set({ setup: next });
        $("[data-dirty]").textContent = `Uploaded ${info.n_samples} rows: press Build network to use them.`;
      } catch (err) {
        setError("upload", detailOf(err));
      }
    },
  });
  config.render(setup);
  let shape = await loadPreview(setup);
  let linkProblem = "";
  if (!shape && isUpload(setup)) {
    // A link to a CSV uploaded on another server (or one since deleted): say so, use the default data.
    const why = document.querySelector('[data-error="dataset"]').textContent;
    setup.ds = DEFAULT_SETUP.ds;
    Object.assign(applyDatasetDefaults(setup), PAIRINGS.binary);
    shape = await loadPreview(setup);
    linkProblem = `The uploaded dataset in the link is not on this server (${why}); showing ${setup.ds} instead.`;
  }
  config.render(setup, shape);
  await build(setup, { keepUrl: Boolean(location.hash) && !linkProblem, shape });
  if (linkProblem) setError("dataset", linkProblem);
  window.addEventListener("hashchange", async () => {
    const next = fromHash(location.hash);
    config.render(next);
    await build(next, { keepUrl: true });
    config.render(next, store.get().shape);
  });
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      const s = store.get();
      renderPlots(s, new Set(["history", "steps", "grid", "network"]));
      if (s.preview) plots.drawScatter($("[data-preview]"), s.preview);
    }, 150);
  });
}

start();
