// The network's lifecycle: preview the data, build or PATCH from the setup, adopt, open a link.

import * as api from "./api.js";
import { $, animator, form, store, switching } from "./context.js";
import { bold, setCaption } from "./captions.js";
import { dataSpec, isInline, isUpload, needsRebuild, patchFor, setupFromNetwork, toSpec } from "./setup.js";
import { patchSettings } from "./live-settings.js";
import { momentName, networkMoment } from "./moments.js";
import { toHash } from "./url-state.js";
import { clearErrors, detailOf, explainMissing, setError, status } from "./messages.js";
import { durationWords } from "./format.js";
import { fmtUnitsVec, inputRow } from "./units.js";
import { stopPlaying } from "./play.js";
import { refreshHistory, refreshPlots } from "./refresh.js";

/**
 * A request about the network on screen refused because it is not there: it was deleted on the
 * server (expiry, the teacher, My networks in another tab) while the page still shows it. Say
 * so, and offer a new one.
 */
explainMissing((err) => {
  const { network, catalog } = store.get();
  if (!network || err.network !== network.id) return null;
  const idle = catalog?.limits.expire_idle_seconds ?? 0;
  const why = idle > 0
    ? `networks nobody changes for ${durationWords(idle)} are deleted, and the teacher can delete any`
    : "it was deleted (by the teacher, or from My networks in another tab)";
  status("The network on screen is no longer on the server");
  setCaption([
    bold("This network is no longer on the server"), `: ${why}. `,
    { button: "Build a new network", action: "build-after-gone", onClick: () => build(store.get().setup) },
    " from the settings on the left.",
  ]);
  return `This network is no longer on the server: ${why}. Build a new network (the button under the drawing) to go on.`;
});

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
  if (idx.length === 1 && data) return `sample #${idx[0]} (x = ${fmtUnitsVec(inputRow(data.inputs[idx[0]], network))})`;
  return `the next batch of ${idx.length} samples`;
}

/** `shape`: the data's, when the caller has just loaded the preview of this setup. */
export const build = switching(async (setup, { keepUrl = false, shape = null } = {}) => {
  await stopPlaying();
  animator.skip();
  shape ??= await loadPreview(setup);
  if (!shape) return;
  status("Building the network…", true);
  try {
    const network = await api.createNetwork(toSpec(setup, shape), { scratch: true });
    clearErrors("build", "phase", "predict", "limits");
    await adopt(network, setup, { keepUrl });
    setCaption([`A ${network.layers.join("–")} network is ready. Press `, bold("Forward"), ` (F) to send ${describeNext()} through it, or Epoch (E) / Play (Space) to train.`]);
    document.body.dataset.ready = "true";
  } catch (err) {
    setError("build", detailOf(err));
    setError("limits", `The network was not built: ${detailOf(err)}`); // beside the drawing, in view
    status("The network could not be built");
  }
});

/**
 * The Build button: always a new network with fresh weights from the setup, and a caption
 * that says what became of the one on screen — a trained one is kept, one press away — and,
 * when nothing in the setup changed, why the new weights are the same starting weights.
 */
export async function buildAnew(setup) {
  const { network: old, built, history } = store.get();
  const unchanged = Boolean(built && old) && !needsRebuild(built, setup) && Object.keys(patchFor(built, setup)).length === 0;
  const trained = old && (old.epoch > 0 || old.step > 0) ? { ...old, loss: history.at(-1)?.train_loss } : null;
  await build(setup);
  const now = store.get().network;
  if (!now || now === old) return; // not built: the error beside the drawing says why
  const parts = [bold("Built"), ` a new ${now.layers.join("–")} network with init seed ${now.init.seed}. `];
  if (unchanged) {
    parts.push(
      "Nothing in the setup changed and the init seed is the same, so it starts from the same weights the last build started from. ",
      "Change Init seed for other starting weights. ",
    );
  }
  if (trained) {
    parts.push(
      `The network it replaces, trained to ${momentName(networkMoment(trained))}`,
      ...(Number.isFinite(trained.loss) ? [" with training loss ", { number: trained.loss }] : []),
      ", is kept: ",
      { button: "Back to the trained network", action: "back-to-replaced", onClick: () => backTo(trained.id) },
    );
  } else {
    parts.push("Press ", bold("Forward"), ` (F) to send ${describeNext()} through it, or Epoch (E) / Play (Space) to train.`);
  }
  setCaption(parts);
}

/** Open the trained network a Build replaced (the new, untrained one goes). */
async function backTo(id) {
  await stopPlaying();
  try {
    if (!(await openLinked(id, store.get().setup))) {
      setError("build", "That network is no longer on the server.");
      return;
    }
    const n = store.get().network;
    setCaption([bold("Back"), ` to the trained ${n.layers.join("–")} network, as it was: ${momentName(networkMoment(n))}. The network built after it was never trained and is gone.`]);
  } catch (err) {
    setError("build", detailOf(err));
  }
}

/**
 * Show `network` (just built or imported) in place of the current one, which is deleted when
 * it was never trained and is this page's own (a trained one stays on the server, in My networks
 * and for Build's "Back to the trained network"). `setup` is the form's description of it, or
 * null when the form cannot describe it.
 */
export async function adopt(network, setup, { keepUrl = false } = {}) {
  const old = store.get().network;
  const untrained = old && old.step === 0 && old.epoch === 0 && store.get().sharing?.yours !== false;
  // The key a copied link carries, so another owner may view it; null when the server has none to give.
  const sharing = await api.shareKey(network.id).catch(() => null);
  store.set({
    network, sharing, built: setup && structuredClone(setup), ...(setup ? { setup } : {}),
    data: null, trace: null, history: [], steps: [], grid: null, selection: null, gradcheck: null, caption: "", // its data follow
  });
  // Deleted once off the screen: a panel asking about the network on screen never asks for it.
  if (untrained && old.id !== network.id) api.deleteNetwork(old.id).catch(() => {});
  if (setup && !keepUrl) history.replaceState(null, "", linkTo(setup));
  const data = await api.networkData(network.id);
  store.set({ data });
  if (network.step > 0 || network.epoch > 0) await refreshHistory();
  await refreshPlots();
  status(`Ready · ${network.layers.join("–")} · ${network.n_parameters} parameters`);
}

/** The page's address: the setup and the network on screen, with its share key. */
export function linkTo(setup) {
  const { network, sharing } = store.get();
  return toHash(setup, network?.id, sharing?.share);
}

/**
 * Open the server's network named by a link (`#net=<id>`, with `share=<key>` when another owner
 * shared it), as it is now: trained weights and history included. Returns false when this server
 * does not know the id, or it is not this page's to see (the caller rebuilds from the setup).
 */
export const openLinked = switching(async (networkId, setup, share = null) => {
  await stopPlaying(); // Play trains the network on screen: not the one this replaces
  animator.skip();
  let network;
  api.viewWith(networkId, share);
  try {
    network = await api.getNetwork(networkId);
  } catch (err) {
    if (err instanceof api.ApiError && err.code === "network_not_found") return false;
    throw err;
  }
  const described = setupFromNetwork(network, setup) ?? setup;
  const shape = await loadPreview(described);
  form.config.render(described, shape);
  await adopt(network, described);
  const opened = [bold("Opened"), ` the linked ${network.layers.join("–")} network as it is now: ${momentName(networkMoment(network))}.`];
  if (store.get().sharing?.yours === false) {
    setCaption([
      ...opened, " It is shared with you to view: the drawing, the inspector, the plots and the timeline show it, but it cannot be changed here. To train it, ",
      bold("My networks → Copy the network on screen"), " makes a copy of your own.",
    ]);
  } else {
    setCaption([...opened, " Press ", bold("Forward"), ` (F) to step through ${describeNext()}.`]);
  }
  document.body.dataset.ready = "true";
  return true;
});

/** Make the network on screen (shared with this page to view) a copy of this page's own, and show it. */
export const copyOnScreen = switching(async () => {
  const { network, setup } = store.get();
  const copy = await api.importNetwork(await api.exportNetwork(network.id));
  await adopt(copy, setupFromNetwork(copy, setup) ?? setup);
  setCaption([
    bold("Copied"), ` the network you were viewing: this ${copy.layers.join("–")} network is yours, at ${momentName(networkMoment(copy))}. Press `,
    bold("Forward"), ` (F) to step through ${describeNext()}, or Play (Space) to train on.`,
  ]);
});

/**
 * Apply the form: PATCH hyperparameters when the shapes stay, otherwise build anew. Resolves
 * true once applied; false when the server refused the change: the form then shows the
 * settings in force again, and the error says why (`quiet`: no caption either way).
 */
export async function applySetup(setup, { quiet = false } = {}) {
  const { built, network } = store.get();
  const patch = built && network ? patchFor(built, setup) : null;
  if (patch && Object.keys(patch).length === 0) {
    history.replaceState(null, "", linkTo(setup));
    return true;
  }
  if (!patch) {
    await build(setup);
    return true;
  }
  return patchSettings(setup, patch, { quiet });
}
