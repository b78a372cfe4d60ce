// What to try next, derived from what happened: the loss and gradient-norm trend with their
// numbers. Nothing here is a fixed list: each sentence states the numbers it rests on, and a
// larger η is suggested only where the loss fell steadily, never after it rose.
// Each function returns caption parts (strings and {number}) — empty when there is nothing to say.

import { fmt } from "./format.js";

const number = (x) => ({ number: x }); // a caption number (captions.js): 4 digits, full on hover

/** Caption parts as plain text (the readout's line). */
export const asText = (parts) => parts.map((p) => (typeof p === "string" ? p : p.number !== undefined ? fmt(p.number) : p.bold)).join("");

const ROSE = 1.1; // a loss 10 % above where it was: a rise, not the noise of one batch
const SLOW = 0.01; // a steady fall of less than 1 % over the window: slow
const WINDOW = 20; // epochs looked at

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "try η/10 = 0.01": the next η to try after a rise (`certain`: the run diverged). */
function smallerEta(eta, certain = false) {
  return [`η = `, number(eta), ` is ${certain ? "" : "likely "}too large for this loss surface: try η/10 = `, number(eta / 10), "."];
}

/** After a rise on data kept at their own scale (network.data_warnings): point at standardizing. */
function unscaled(network) {
  if (!network?.data_warnings?.length) return [];
  return [
    " These data are not standardized (see the note under the drawing): at their own scale the loss and its gradients are as large as the numbers,",
    " so standardizing them lets an η of about 0.01–0.1 work.",
  ];
}

/** A vanishing gradient on data kept at their own scale: the saturation is likely the scale's doing. */
function saturatedByScale(network) {
  const about = new Set((network?.data_warnings ?? []).map((w) => w.about));
  if (about.has("features")) {
    return " Here the inputs are not standardized (see the note under the drawing): inputs in the tens or more saturate the neurons, and standardizing them is the first thing to try.";
  }
  if (about.has("targets")) {
    return " Here the target is not standardized (see the note under the drawing): its gradients are as large as its units, updates that large push the hidden neurons into saturation, and standardizing the target is the first thing to try.";
  }
  return "";
}

/** The layer whose gradient norm is flagged, from a backward pass's health. */
function flagged(health, status) {
  return health?.layers?.filter((ly) => ly.status === status) ?? [];
}

/** Why a gradient dies on its way back through these activations, and what keeps it alive. */
function whyVanishing(activations) {
  const hidden = (activations ?? []).slice(0, -1);
  const squash = hidden.some((a) => a === "sigmoid" || a === "tanh");
  const relu = hidden.includes("relu");
  return (
    (squash ? " Saturated sigmoid or tanh neurons (f′(z) near 0) pass almost no gradient back." : "") +
    (relu ? " ReLU neurons with z ≤ 0 pass none." : "") +
    ` ${squash ? "ReLU, " : ""}Xavier or He initialization, or fewer layers keep it alive.`
  );
}

function vanishingText(health, activations, network = null) {
  const weak = flagged(health, "vanishing");
  if (!weak.length) return [];
  const out = health.layers.at(-1);
  const ly = weak[0];
  return [
    ` Layer ${ly.index}'s gradient norm ‖∂L/∂W‖ = `, number(ly.grad_norm), " is below ", number(health.thresholds.vanishing_ratio),
    " × the output layer's ", number(out.grad_norm), ": it is vanishing, so that layer barely learns.", whyVanishing(activations),
    saturatedByScale(network),
  ];
}

function explodingText(health) {
  const big = flagged(health, "exploding");
  if (!big.length) return [];
  const ly = big[0];
  return [` Layer ${ly.index}'s gradient norm ‖∂L/∂W‖ = `, number(ly.grad_norm), " is above the exploding threshold ", number(health.thresholds.exploding_norm), "."];
}

/** Mean of an array of numbers. */
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The trend of the per-update losses (`steps`: [{step, loss}], each the batch's loss before its
 * update): the last window of at most two epochs' updates, its first half against its second.
 * Null with fewer than two updates.
 */
export function stepTrend(steps, batchesPerEpoch = 1) {
  const n = Math.min(steps.length, Math.max(2, 2 * batchesPerEpoch));
  if (n < 2) return null;
  const window = steps.slice(-n).filter((s) => Number.isFinite(s.loss));
  if (window.length < 2) return null;
  const half = Math.floor(window.length / 2);
  const first = window.slice(0, half);
  const second = window.slice(half);
  return { first, second, from: mean(first.map((s) => s.loss)), to: mean(second.map((s) => s.loss)) };
}

/**
 * The settings change this page made on `network` that still holds ({epoch, step}, see
 * context.js), else null: what ran before it ran with other settings, and is not theirs to judge.
 */
function changeInForce(settingsChanged, network) {
  const c = settingsChanged;
  return c && network && c.id === network.id && network.step >= c.step ? c : null;
}

/** "at step 3" or "over steps 1–4 (mean)". */
const span = (part) =>
  part.length === 1 ? ` at step ${part[0].step}` : ` (mean over steps ${part[0].step}–${part.at(-1).step})`;

/**
 * After an Update or a Step: did the loss rise — on this very batch, or across the recent
 * updates? Then η; else what the gradient norms say.
 */
export function adviceAfterUpdate({ trace, steps, network, settingsChanged }) {
  const u = trace?.update;
  const before = trace?.loss?.loss;
  if (!u || !Number.isFinite(before)) return [];
  const eta = u.learning_rate;
  if (u.loss_after > before * ROSE) {
    return [" The loss on this batch rose from ", number(before), " to ", number(u.loss_after), " after the update: the step overshot. ", ...smallerEta(eta), ...unscaled(network)];
  }
  // Only the updates made with the settings in force (steps[k].step: the update's number).
  const change = changeInForce(settingsChanged, network);
  const recent = change ? (steps ?? []).filter((s) => s.step > change.step) : steps ?? [];
  const trend = stepTrend(recent, network?.cursor?.batches_per_epoch ?? 1);
  if (trend && trend.to > trend.from * ROSE) {
    return [
      " The batch loss rose from ", number(trend.from), span(trend.first), " to ", number(trend.to), span(trend.second),
      ", each before its update: the updates overshoot. ", ...smallerEta(eta), ...unscaled(network),
    ];
  }
  return [...vanishingText(trace.backward?.health, network?.activations, network), ...explodingText(trace.backward?.health)];
}

/**
 * After an Epoch or a Play run: the training loss over the last epochs (at most WINDOW), with
 * the last epoch's gradient norms; `diverged`: the refused update, if the run ended on one.
 */
export function adviceAfterTraining({ history, network, catalog, settingsChanged }, diverged = null) {
  const eta = network?.learning_rate;
  if (!Number.isFinite(eta)) return [];
  if (diverged) return [...smallerEta(eta, true), ...unscaled(network)];
  // Only the epochs run wholly with the settings in force: a rise before a change is not η's now.
  const change = changeInForce(settingsChanged, network);
  const ran = change ? (history ?? []).filter((e) => e.epoch >= change.epoch) : history ?? [];
  const window = ran.slice(-WINDOW).filter((e) => Number.isFinite(e.train_loss));
  if (window.length < 2) return [];
  const last = window.at(-1);
  const best = window.reduce((a, e) => (e.train_loss < a.train_loss ? e : a));
  if (last.train_loss > best.train_loss * ROSE && last.epoch > best.epoch) {
    const of = change && window.length === ran.length
      ? `its lowest of the ${plural(window.length, "epoch")} since the settings changed`
      : `its lowest of the last ${plural(window.length, "epoch")}`;
    return [
      "The training loss rose from ", number(best.train_loss), ` (epoch ${best.epoch}, ${of})`,
      " to ", number(last.train_loss), ` (epoch ${last.epoch}). `, ...smallerEta(eta), ...unscaled(network),
    ];
  }
  const first = window[0];
  const steady = window.every((e, k) => k === 0 || e.train_loss < window[k - 1].train_loss);
  const fell = (first.train_loss - last.train_loss) / first.train_loss;
  const norms = last.grad_norms ?? [];
  const ratio = catalog?.health_thresholds?.vanishing_ratio;
  const weak = ratio && norms.length > 1 ? norms.findIndex((g, k) => k < norms.length - 1 && g < ratio * norms.at(-1)) : -1;
  const parts = [];
  if (weak >= 0) {
    parts.push(
      `Layer ${weak + 1}'s mean gradient norm in epoch ${last.epoch}, `, number(norms[weak]), ", is below ", number(ratio),
      " × the output layer's ", number(norms.at(-1)), ": it is vanishing.", whyVanishing(network.activations), saturatedByScale(network), " ",
    );
  }
  if (steady && window.length >= 5 && fell < SLOW) {
    parts.push(
      `The training loss fell in each of the last ${window.length} epochs, but only from `, number(first.train_loss), " to ", number(last.train_loss),
      ": a larger η, such as 2η = ", number(2 * eta), ", would take bigger steps.",
    );
  }
  return parts;
}

/** After Backward (no update yet): what the gradient norms of this pass say. */
export function adviceAfterBackward({ trace, network }) {
  const health = trace?.backward?.health;
  return [...vanishingText(health, network?.activations, network), ...explodingText(health)];
}
