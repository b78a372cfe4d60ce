// What the configuration form's edits do: preview new data, follow the task's pairing, build or PATCH.

import * as api from "./api.js";
import { $, form, store } from "./context.js";
import { clearErrors, detailOf, setError } from "./messages.js";
import { applyDatasetDefaults, applyPairing, isUpload, needsRebuild, settingsChange } from "./setup.js";
import { applySetup, buildAnew, loadPreview } from "./network-actions.js";
import { clearSettingsNote, queueSettings } from "./live-settings.js";

const DATA_FIELDS = ["samples", "noise", "classes", "data_seed"];

function showDirty(next) {
  const dirty = JSON.stringify(next) !== JSON.stringify(store.get().built);
  $("[data-dirty]").textContent = dirty
    ? "The data or the architecture changed: Build network makes a new network with fresh weights."
    : "";
}

/**
 * Hyperparameters (η, optimizer, regularization, batch size, loss, activations) apply to the
 * very next step through PATCH, weights untouched (during Play: from the next epoch); data and
 * layer sizes wait for Build network.
 */
async function applyOrWait(next) {
  const { built, network, playing } = store.get();
  if (built && network && !needsRebuild(built, next)) {
    // While Play trains, the change waits for the epoch in progress (live-settings.js).
    if (playing) queueSettings(next);
    else {
      if (settingsChange(built, next).length) clearSettingsNote(); // the caption says this one
      await applySetup(next);
    }
    $("[data-dirty]").textContent = "";
  } else {
    showDirty(next);
  }
}

export async function onEdit(next, { datasetChanged, structural } = {}) {
  const { setup: prev, catalog } = store.get();
  const dataChanged = DATA_FIELDS.some((k) => next[k] !== prev[k]);
  if (datasetChanged || structural || dataChanged || next.dataset !== prev.dataset) {
    // A newly picked dataset brings settings that suit it (before the preview: they may
    // set the number of classes); the output and loss follow from its task, which a
    // change in the number of classes can change too (spiral: 2 binary, 3 multiclass).
    if (datasetChanged) applyDatasetDefaults(next);
    const taskBefore = store.get().shape?.task;
    const shape = await loadPreview(next);
    if (shape && (datasetChanged || shape.task !== taskBefore)) {
      if (datasetChanged && isUpload(next)) applyDatasetDefaults(next, shape.task);
      applyPairing(next, shape.task, catalog.pairings);
    }
    form.config.render(next, shape);
  } else {
    form.config.render(next);
  }
  store.set({ setup: next });
  await applyOrWait(next);
}

/** Build network (new weights): a new network from the setup, whatever changed or not. */
export async function onBuild(next) {
  $("[data-dirty]").textContent = "";
  store.set({ setup: next });
  await buildAnew(next);
}

export async function onUpload(formData, hasFile) {
  if (!hasFile) {
    setError("upload", "Choose a CSV file first.");
    return;
  }
  try {
    const info = await api.uploadDataset(formData);
    clearErrors("upload");
    form.config.setUploaded(info);
    const next = form.config.read();
    next.dataset = `upload:${info.dataset_id}`;
    const shape = await loadPreview(next);
    if (shape) applyPairing(applyDatasetDefaults(next, shape.task), shape.task, store.get().catalog.pairings);
    form.config.render(next, shape);
    store.set({ setup: next });
    $("[data-dirty]").textContent = `Uploaded ${info.n_samples} rows: press Build network to use them.`;
  } catch (err) {
    setError("upload", detailOf(err));
  }
}
