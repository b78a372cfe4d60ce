// Accuracy while training (classification): the last epoch's training and validation accuracy
// in the readout, and a sentence under the loss plot when the training accuracy reached 100 %
// and whether it stayed there. Every figure is a history entry's (the server's).

import { setText } from "./svg.js";

const $ = (selector) => document.querySelector(selector);

const percent = (v) => `${Number((100 * v).toPrecision(4))} %`;
/** "100 % (4 of 4 right)": how many of n rows the accuracy counts. */
const counted = (v, n) => (n > 0 ? `${percent(v)} (${Math.round(v * n)} of ${n} right)` : percent(v));

/** "Epoch 35: training accuracy 100 % (4 of 4 right), validation …", or "" for a regression. */
export function accuracyLine(entry, network) {
  if (!entry || entry.train_accuracy === null || entry.train_accuracy === undefined) return "";
  const c = network?.cursor;
  const val = entry.val_accuracy === null ? "" : `, validation ${counted(entry.val_accuracy, c?.n_validation ?? 0)}`;
  return `Epoch ${entry.epoch}: training accuracy ${counted(entry.train_accuracy, c?.n_train ?? 0)}${val}.`;
}

/**
 * When the training accuracy first reached 100 %, whether it fell back and where it is now:
 * "Training accuracy reached 100 % at epoch 35, fell back to 75 % at epoch 36, and has been
 * 100 % since epoch 43." Empty before it reached 100 %.
 */
export function fullAccuracyNote(history) {
  const k = history.findIndex((e) => e.train_accuracy === 1);
  if (k < 0) return "";
  const first = history[k];
  const after = history.slice(k + 1);
  const fell = after.find((e) => e.train_accuracy < 1);
  if (!fell) {
    const more = after.length ? ` and stayed there for the ${after.length} epoch${after.length > 1 ? "s" : ""} since` : "";
    return `Training accuracy reached 100 % at epoch ${first.epoch}${more}.`;
  }
  const last = history.at(-1);
  let since = history.length - 1;
  while (since > 0 && history[since - 1].train_accuracy === 1) since--;
  const now =
    last.train_accuracy === 1
      ? `has been 100 % since epoch ${history[since].epoch}`
      : `is ${percent(last.train_accuracy)} at epoch ${last.epoch}`;
  return `Training accuracy reached 100 % at epoch ${first.epoch}, fell back to ${percent(fell.train_accuracy)} at epoch ${fell.epoch}, and ${now}.`;
}

/** The readout's accuracy line and the note under the loss plot, from the history. */
export function renderAccuracy(s) {
  const line = $("[data-accuracy-line]");
  const note = $("[data-accuracy-note]");
  const legend = $("[data-accuracy-legend]");
  const last = s.history.at(-1);
  const text = accuracyLine(last, s.network);
  if (line) {
    setText(line, text);
    line.hidden = !text;
    line.dataset.trainAccuracy = text ? String(last.train_accuracy) : "";
    line.dataset.epoch = text ? String(last.epoch) : "";
  }
  if (note) setText(note, text ? fullAccuracyNote(s.history) : "");
  if (legend) legend.hidden = !text;
}

/** "Stop at 100 % training accuracy" applies to a classification only. */
export function renderStopAccuracy(network) {
  const box = $("[data-stop-accuracy]");
  if (!box || !network) return;
  const regression = network.task === "regression";
  box.disabled = regression;
  box.closest("label").title = regression
    ? "A regression has no accuracy: stopping at 100 % applies to a classification"
    : "Play stops by itself at the first epoch whose training accuracy is 100 % (classification)";
}
