// Settings changed while Play trains: marked as waiting, applied between two training calls,
// and said beside the controls, so the form never passes off a value the network is not using.

import * as api from "./api.js";
import { $, emit, form, store } from "./context.js";
import { applySetup } from "./network-actions.js";
import { describeChange, settingsChange } from "./setup.js";

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
  const applied = await applySetup(next, { quiet: true });
  const network = store.get().network;
  if (applied) {
    const from = network.epoch + (network.cursor?.position ? 0 : 1);
    note(`From epoch ${from} on: ${change}. The timeline names the η each epoch ran with.`, "applied");
    emit({ action: "settings-applied", epoch: network.epoch, learning_rate: network.learning_rate });
  } else {
    note(`Not applied (${$('[data-error="build"]').textContent}); the form shows the settings in force again.`, "error");
  }
}

/** A change made while nothing trains applies at once (applySetup says so in the caption). */
export function clearSettingsNote() {
  note("");
}
