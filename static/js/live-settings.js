// Settings changed while Play trains: marked as waiting, applied between two training calls,
// and said beside the controls, so the form never passes off a value the network is not using.

import * as api from "./api.js";
import { $, emit, form, store } from "./context.js";
import { bold, setCaption } from "./captions.js";
import { clearErrors, detailOf, setError } from "./messages.js";
import { describeChange, describeSettings, patchFor, settingsChange } from "./setup.js";
import { phasesDone } from "./moments.js";
import { toHash } from "./url-state.js";

/**
 * PATCH the live settings of `setup` (`patch`: patchFor(built, setup), not empty). Resolves true
 * once applied; false when the server refused: the form then shows the settings in force again
 * and the error says why (`quiet`: no caption either way).
 */
export async function patchSettings(setup, patch, { quiet = false } = {}) {
  const { built, network, trace } = store.get();
  try {
    const next = await api.patchNetwork(network.id, patch);
    clearErrors("build", "limits");
    // The server discards a step in progress when hyperparameters change: so does the page.
    const settingsChanged = { id: next.id, epoch: firstEpochWith(next), step: next.step };
    store.set({ network: next, built: structuredClone(setup), setup, trace: null, settingsChanged });
    history.replaceState(null, "", toHash(setup, network.id, store.get().sharing?.share));
    const aside = phasesDone(trace);
    if (!quiet) {
      setCaption([
        `Changed ${describeChange(built, setup)} without touching the weights: it applies from the next step.`,
        aside ? ` The step in progress (${aside} done) was set aside: press Forward (F) to start the next one.` : "",
      ]);
    }
    return true;
  } catch (err) {
    // Nothing changed on the server: the form must not go on showing the refused value.
    const kept = structuredClone(built);
    form.config.render(kept, store.get().shape);
    store.set({ setup: kept });
    const why = sentence(detailOf(err)); // the server's sentence, then the page's
    setError("build", `${why} Nothing changed: the network keeps ${describeSettings(built, Object.keys(patch))}.`);
    setError("limits", `Not applied: ${detailOf(err)}`);
    if (!quiet) setCaption([bold("Not applied"), `: ${why} The form shows the settings in force again.`]);
    return false;
  }
}

/** The first epoch that runs wholly with settings changed now: the next one, or the one after
 * it when an epoch is in progress (its updates from here on use them, those before did not). */
const firstEpochWith = (network) => network.epoch + (network.cursor?.position ? 2 : 1);

/** From where settings changed now apply: "epoch 8", or "update 13 (in epoch 4)" mid-epoch. */
const appliesFrom = (network) =>
  network.cursor?.position ? `update ${network.step + 1} (in epoch ${network.epoch + 1})` : `epoch ${network.epoch + 1}`;

/** `text` ending as a sentence does (the API's details end without a full stop). */
const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);

function note(text, kind) {
  const node = $("[data-settings-note]");
  if (!node) return;
  node.textContent = text;
  node.hidden = !text;
  node.dataset.kind = kind ?? "";
}

/**
 * Play is running: keep `next` until the epoch in progress has finished, then PATCH it
 * (applyQueuedSettings, called by Play between its training calls). The run is asked to
 * end its call after the current epoch, so the change lands within one epoch.
 */
export function queueSettings(next) {
  const { built, network } = store.get();
  if (!built || !network) return;
  const changes = settingsChange(built, next);
  const waited = Boolean(store.get().pendingSetup);
  store.set({ pendingSetup: changes.length ? next : null });
  form.config?.markPending(changes.map((c) => c.key));
  if (!changes.length) {
    // The form is back to the settings in force (or an edit changed nothing live).
    if (waited) note("Nothing waits to apply: the form shows the settings in force.", "applied");
    return;
  }
  note(
    `Waiting for the epoch in progress to finish: ${describeChange(built, next)} applies from the next epoch. ` +
      `Until then the network trains with ${changes.map((c) => `${c.name} ${c.from}`).join(", ")}.`,
    "pending",
  );
  emit({ action: "settings-queued", changes });
  api.stopTraining(network.id).catch(() => {}); // ends the current call after its epoch; Play goes on
}

/** PATCH the settings queued during Play; says from which epoch they apply (or why not). */
export async function applyQueuedSettings() {
  const next = store.get().pendingSetup;
  if (!next) return;
  const before = store.get().built;
  store.set({ pendingSetup: null });
  form.config?.markPending([]);
  const change = describeChange(before, next);
  const patch = patchFor(before, next);
  const applied = patch && Object.keys(patch).length ? await patchSettings(next, patch, { quiet: true }) : true;
  const network = store.get().network;
  if (applied) {
    note(`From ${appliesFrom(network)} on: ${change}. The timeline names the η each epoch ran with.`, "applied");
    emit({ action: "settings-applied", epoch: network.epoch, learning_rate: network.learning_rate });
  } else {
    note(`Not applied (${$('[data-error="build"]').textContent}); the form shows the settings in force again.`, "error");
  }
}

/** A change made while nothing trains applies at once (applySetup says so in the caption). */
export function clearSettingsNote() {
  note("");
}
