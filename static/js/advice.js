// What to try next, derived from what happened: the loss and gradient-norm trend with their
// numbers. Nothing here is a fixed list: each sentence states the numbers it rests on, and a
// larger η is suggested only where the loss fell steadily, never after it rose.
// Each function returns caption parts (strings and {number}) — empty when there is nothing to say.

import { fmt } from "./format.js";
import { layerName } from "./names.js";

const number = (x) => ({ number: x }); // a caption number (captions.js): 4 digits, full on hover

/** Caption parts as plain text (the readout's line). */
export const asText = (parts) => parts.map((p) => (typeof p === "string" ? p : p.number !== undefined ? fmt(p.number) : p.bold)).join("");

const ROSE = 1.1; // a loss 10 % above where it was: a rise, not the noise of one batch
const FAR = 3; // batch losses averaging three times where the settings started: far above it
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

/** "a", "a or b", "a, b or c". */
const either = (xs) => (xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join(", ")} or ${xs.at(-1)}`);

/** Mean f′(z) = a(1 − a) of the sigmoid layers `layers` (1-based) over the samples of a traced
 * batch ({slope, over}: the words for those samples), else null. */
function meanSigmoidSlope(trace, layers) {
  const perLayer = layers.map((l) => trace?.forward?.layers?.[l - 1]?.a ?? []);
  const slopes = perLayer.flat(2).map((a) => a * (1 - a));
  if (!slopes.length) return null;
  const rows = perLayer[0].length;
  const batch = trace.forward.batch_size ?? rows;
  return { slope: mean(slopes), over: rows < batch ? `the first ${rows} samples of this batch` : batch > 1 ? "this batch" : "this sample" };
}

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";
const power = (k) => String(k).split("").map((d) => SUPERSCRIPT[Number(d)]).join("");

/**
 * Why layer `from`'s gradient dies on its way back, from what the page shows: saturated or dead
 * neurons where the neurons' health (the rings in the drawing) says so, else the product of the
 * sigmoid layers' f′ ≤ 0.25; then what keeps it alive, never the initializer already in use.
 * `trace`: the traced batch, for the mean f′ it gives.
 */
function whyVanishing({ network, neuronHealth }, from, trace = null) {
  const acts = network?.activations ?? [];
  const hidden = acts.slice(0, -1);
  const squash = hidden.some((a) => a === "sigmoid" || a === "tanh");
  const relu = hidden.includes("relu");
  const marks = (neuronHealth ?? []).slice(0, -1).flat();
  const saturated = marks.filter((h) => h === "saturated").length;
  const dead = marks.filter((h) => h === "dead").length;
  // "None is saturated" only where the health is known; "no ring" only where the output has none either.
  const none = neuronHealth ? ` No hidden neuron is saturated${neuronHealth.flat().includes("saturated") ? "" : " (none has a dashed ring)"}` : "";
  const squashNeurons = (network?.layers ?? []).slice(1, -1).reduce((n, k, i) => n + (hidden[i] === "sigmoid" || hidden[i] === "tanh" ? k : 0), 0);
  // The sigmoid layers the gradient of layer `from` passes back through: from itself to the last hidden one.
  const sigmoids = hidden.map((a, i) => (a === "sigmoid" && i + 1 >= from ? i + 1 : 0)).filter(Boolean);
  const parts = [];
  if (saturated) {
    parts.push(
      ` ${saturated} of the ${squashNeurons} hidden sigmoid or tanh neurons are saturated (dashed rings in the drawing: f′(z) under 5 % of its peak on most training samples) and pass almost no gradient back.`,
    );
  } else if (sigmoids.length) {
    const slope = meanSigmoidSlope(trace, sigmoids);
    const k = sigmoids.length;
    parts.push(
      none ? `${none}, but each` : " Each",
      " hidden sigmoid layer multiplies the gradient on its way back by f′(z) = a(1 − a) ≤ 0.25",
      ...(slope ? [" (here ", number(slope.slope), ` on average over ${slope.over})`] : []),
      ...(k > 1
        ? [`, so the ${k} sigmoid layers from ${layerName(from, acts.length)} on multiply it by at most 0.25${power(k)} = `, number(0.25 ** k), ", besides what the weights do."]
        : ["; the weights do the rest."]),
    );
  } else if (squash && none) {
    parts.push(`${none}: the gradient shrinks as each layer multiplies it by its weights and by f′(z) ≤ 1.`);
  }
  if (dead) parts.push(` ${dead} ReLU ${dead === 1 ? "neuron is" : "neurons are"} dead (z ≤ 0 on every training sample) and pass none.`);
  else if (relu) parts.push(" ReLU neurons with z ≤ 0 pass none.");
  const init = network?.init?.method;
  const tries = [
    ...(squash ? ["ReLU activations"] : []),
    ...(squash && init !== "xavier" ? ["Xavier initialization"] : []),
    ...(relu && init !== "he" ? ["He initialization"] : []),
    "fewer layers",
  ];
  parts.push(` ${either(tries)} ${tries.length > 1 ? "keep" : "keeps"} it alive.`);
  return parts;
}

function vanishingText(state) {
  const health = state.trace?.backward?.health;
  const weak = flagged(health, "vanishing");
  if (!weak.length) return [];
  const out = health.layers.at(-1);
  const ly = weak[0];
  return [
    ` ${layerName(ly.index, health.layers.length)}'s gradient norm ‖∂L/∂W‖ = `, number(ly.grad_norm), " is below ", number(health.thresholds.vanishing_ratio),
    " × the output layer's ", number(out.grad_norm), ": it is vanishing, so that layer barely learns.", ...whyVanishing(state, ly.index, state.trace),
    saturatedByScale(state.network),
  ];
}

/** An exploding layer, by the rule that flagged it: its norm above the exploding norm, or its
 * ratio to the output layer's above the exploding ratio (or both). */
function explodingText(health) {
  const big = flagged(health, "exploding");
  if (!big.length) return [];
  const ly = big[0];
  const t = health.thresholds;
  const out = health.layers.at(-1);
  const name = layerName(ly.index, health.layers.length);
  if (!Number.isFinite(ly.grad_norm)) return [` ${name}'s gradient norm ‖∂L/∂W‖ is not a finite number: it is exploding.`];
  const rules = [];
  if (ly.grad_norm > t.exploding_norm) rules.push(["above the exploding threshold ", number(t.exploding_norm)]);
  if (ly.ratio_to_output !== null && ly.ratio_to_output > t.exploding_ratio) {
    rules.push([number(ly.ratio_to_output), " × the output layer's ", number(out.grad_norm), ", above the exploding ratio ", number(t.exploding_ratio)]);
  }
  return [
    ` ${name}'s gradient norm ‖∂L/∂W‖ = `, number(ly.grad_norm), " is ", ...rules.flatMap((r, k) => (k ? [", and ", ...r] : r)),
    ": it is exploding.",
  ];
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
 * The epoch the settings in force started from: the last one that ended before the change, or
 * the one in progress when it was made (its end already carries some of the new settings'
 * updates). {entry, name} or null. The loss there is the baseline for what ran since.
 */
function baselineEpoch(history, steps, change) {
  if (!change) return null;
  const entry = (history ?? []).find((e) => e.epoch === change.epoch - 1 && Number.isFinite(e.train_loss));
  if (!entry) return null;
  const during = (steps ?? []).some((s) => s.epoch === entry.epoch && s.step > change.step);
  return { entry, during, name: during ? `epoch ${entry.epoch}, in which the settings changed` : `epoch ${entry.epoch}, the last before the settings changed` };
}

/**
 * Did the batch losses of `updates` (each before its update) climb far above where they
 * started? `start`: {loss, text} (the training loss the settings started from, or the first of
 * `updates` itself when `own`). The later half of the updates after the start is averaged, at
 * least min(3, half an epoch) of them, so one unlucky batch is not a rise.
 */
function roseFromStart(updates, start, batchesPerEpoch, eta, network) {
  if (!start || !Number.isFinite(start.loss) || start.loss <= 0) return null;
  const after = (start.own ? updates.slice(1) : updates).slice(-2 * batchesPerEpoch).filter((s) => Number.isFinite(s.loss));
  const later = after.slice(Math.floor(after.length / 2));
  if (!later.length || later.length < Math.min(3, Math.ceil(batchesPerEpoch / 2))) return null;
  const to = mean(later.map((s) => s.loss));
  if (to <= FAR * start.loss) return null;
  return [
    start.own ? "The batch loss rose from " : "The loss rose from ", number(start.loss), start.text, start.own ? " to " : " to a batch loss of ", number(to), span(later),
    ", each before its update: the updates overshoot. ", ...smallerEta(eta), ...unscaled(network),
  ];
}

/** The start of the updates made with the settings in force: the first of them, when `updates`
 * begins with it (update 1, or the first after the change). */
function firstUpdate(updates, change) {
  const first = updates[0];
  if (!first || first.step !== (change ? change.step + 1 : 1)) return null;
  const what = change ? "the first update with these settings" : "the first update";
  return { loss: first.loss, text: ` at step ${first.step} (before ${what})`, own: true };
}

/** The training loss after `entry` as a start, named as `name` says ("epoch 8, the last …"). */
const epochStart = (entry, name) => ({ loss: entry.train_loss, text: ` (the training loss after ${name})`, own: false });

/**
 * After an Update or a Step: did the loss rise — on this very batch, across the recent
 * updates, or far above where the settings in force started? Then η; else what the gradient
 * norms say.
 */
export function adviceAfterUpdate(state) {
  const { trace, steps, history, network, settingsChanged } = state;
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
  const perEpoch = network?.cursor?.batches_per_epoch ?? 1;
  const trend = stepTrend(recent, perEpoch);
  if (trend && trend.to > trend.from * ROSE) {
    return [
      " The batch loss rose from ", number(trend.from), span(trend.first), " to ", number(trend.to), span(trend.second),
      ", each before its update: the updates overshoot. ", ...smallerEta(eta), ...unscaled(network),
    ];
  }
  const base = baselineEpoch(history, steps, change);
  const rose = roseFromStart(recent, base ? epochStart(base.entry, base.name) : firstUpdate(recent, change), perEpoch, eta, network);
  if (rose) return [" ", ...rose];
  return [...vanishingText(state), ...explodingText(trace.backward?.health)];
}

/**
 * After an Epoch or a Play run: the training loss over the last epochs (at most WINDOW) from
 * where the settings in force started, the batch losses of the last epoch's updates, then the
 * last epoch's gradient norms; `diverged`: the refused update, if the run ended on one.
 */
export function adviceAfterTraining(state, diverged = null) {
  const { history, steps, network, catalog, settingsChanged } = state;
  const eta = network?.learning_rate;
  if (!Number.isFinite(eta)) return [];
  if (diverged) return [...smallerEta(eta, true), ...unscaled(network)];
  // The epochs run wholly with the settings in force, after the loss they started from: a rise
  // before a change is not the new η's, and a rise from where it started is.
  const change = changeInForce(settingsChanged, network);
  const ran = change ? (history ?? []).filter((e) => e.epoch >= change.epoch) : history ?? [];
  const recent = ran.slice(-WINDOW);
  const base = recent.length === ran.length ? baselineEpoch(history, steps, change) : null;
  const window = [...(base ? [base.entry] : []), ...recent].filter((e) => Number.isFinite(e.train_loss));
  const last = window.at(-1);
  if (!last) return [];
  // The last epoch is the one the settings changed in: only its updates since the change are theirs.
  const whole = !(base && last === base.entry);
  const best = window.reduce((a, e) => (e.train_loss < a.train_loss ? e : a));
  if (whole && last.train_loss > best.train_loss * ROSE && last.epoch > best.epoch) {
    const of = best === base?.entry
      ? base.name
      : change && recent.length === ran.length
        ? `epoch ${best.epoch}, its lowest of the ${plural(ran.length, "epoch")} since the settings changed`
        : `epoch ${best.epoch}, its lowest of the last ${plural(window.length, "epoch")}`;
    return [
      "The training loss rose from ", number(best.train_loss), ` (${of})`,
      " to ", number(last.train_loss), ` (epoch ${last.epoch}). `, ...smallerEta(eta), ...unscaled(network),
    ];
  }
  // The last epoch's updates: a climb within it that its closing loss may not show.
  const updates = (steps ?? []).filter((s) => s.epoch === last.epoch && (!change || s.step > change.step));
  const previous = whole ? window.find((e) => e.epoch === last.epoch - 1) : null;
  const start = previous
    ? epochStart(previous, previous === base?.entry ? base.name : `epoch ${previous.epoch}`)
    : firstUpdate(updates, change);
  const rose = roseFromStart(updates, start, network?.cursor?.batches_per_epoch ?? 1, eta, network);
  if (rose) return rose;
  if (!whole) return [];
  // No longer climbing, but still far above where the settings in force started: η's too (a
  // vanishing gradient the blow-up left behind is not the explanation).
  // A change made mid-epoch started from its first update's batch loss: the end of the epoch it
  // came in already carries the new settings' updates.
  const since = (steps ?? []).filter((s) => !change || s.step > change.step);
  const origin = base && !base.during ? epochStart(base.entry, base.name) : firstUpdate(since, change);
  if (origin && Number.isFinite(origin.loss) && origin.loss > 0 && last.train_loss > FAR * origin.loss) {
    return [
      "The training loss, ", number(last.train_loss), ` (epoch ${last.epoch}), is far above where these settings started: `,
      number(origin.loss), `${origin.text}. `, ...smallerEta(eta), ...unscaled(network),
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
      `${layerName(weak + 1, norms.length)}'s mean gradient norm in epoch ${last.epoch}, `, number(norms[weak]), ", is below ", number(ratio),
      " × the output layer's ", number(norms.at(-1)), ": it is vanishing.", ...whyVanishing(state, weak + 1), saturatedByScale(network), " ",
    );
  }
  if (steady && window.length >= 5 && fell < SLOW) {
    parts.push(
      `The training loss fell at every epoch from epoch ${first.epoch} to epoch ${last.epoch}, but by only `,
      number(first.train_loss - last.train_loss), " in all, to ", number(last.train_loss), ": a larger η, such as 2η = ", number(2 * eta),
      ", would take bigger steps.",
    );
  }
  return parts;
}

/** After Backward (no update yet): what the gradient norms of this pass say. */
export function adviceAfterBackward(state) {
  return [...vanishingText(state), ...explodingText(state.trace?.backward?.health)];
}
