// The caption under the drawing: what a phase is doing, then what it did, with the API's numbers.

import { $, store } from "./context.js";
import { numSpan } from "./format.js";
import { forwardInputs, fmtUnits, hasInputScale, hasUnits, unitRow } from "./units.js";
import { adviceAfterBackward, adviceAfterUpdate } from "./advice.js";
import { updateScope } from "./trainable.js";

/** Caption segments: strings, {bold: text}, {number: x} (4 significant digits, full on hover), or
 * {button: label, action, onClick}. */
export const bold = (text) => ({ bold: text });
export const number = (x) => ({ number: x });
const vector = (xs) => (xs.length === 1 ? [number(xs[0])] : ["(", ...xs.flatMap((x, k) => (k ? [", ", number(x)] : [number(x)])), ")"]);
/** Caption numbers in the data's units: {units: x} renders grouped (251,300), full on hover. */
const unitsNumber = (x) => ({ units: x });
/** A prediction or target row in the data's units (standardized targets scaled back). */
function dataVector(row, network) {
  if (!hasUnits(network)) return vector(row);
  const xs = unitRow(row, network);
  return xs.length === 1 ? [unitsNumber(xs[0])] : ["(", ...xs.flatMap((x, k) => (k ? [", ", unitsNumber(x)] : [unitsNumber(x)])), ")"];
}

/** An input row in the data's units: grouped like the targets, marked as an input's. */
const inputNumber = (x) => ({ units: x, input: true });
const dataInputs = (xs) => (xs.length === 1 ? [inputNumber(xs[0])] : ["(", ...xs.flatMap((x, k) => (k ? [", ", inputNumber(x)] : [inputNumber(x)])), ")"]);

export function setCaption(parts) {
  store.set({ caption: parts });
}

/** What the drawing shows while a phase animates. */
export const WHILE = {
  forward: "the inputs travel through the network layer by layer",
  loss: "the output ŷ is compared with the target y",
  backward: "the gradient travels back from the output, layer by layer",
  update: "each weight moves from its old value to its new one",
};

export const capitalized = (name) => name[0].toUpperCase() + name.slice(1);

/**
 * The softmax output's δ (no f′(z) to multiply by: each z moves every output), said by the rule
 * the server used (`out.dL_dz_rule`): straight from cross-entropy, or through the Jacobian.
 */
function softmaxDelta(out, loss, batch) {
  const perBatch = batch > 1 ? " / B" : "";
  if (out.dL_dz_rule === "paired_softmax_ce") {
    const oneHot = loss && Math.abs(loss.targets[0].reduce((a, b) => a + b, 0) - 1) < 1e-12;
    return [
      `At the softmax output with cross-entropy, δ = ∂L/∂z = ${oneHot ? "(ŷ − y)" : "(ŷ · Σₖ yₖ − y)"}${perBatch} = `, ...vector(out.dL_dz[0]),
      " comes straight from the loss.",
    ];
  }
  return [
    "At the softmax output each z moves every output, so ∂L/∂a = ", ...vector(out.dL_da[0]),
    " goes through the softmax's Jacobian: δ = ∂L/∂z = ŷ ⊙ (∂L/∂a − Σₖ ŷₖ ∂L/∂aₖ) = ", ...vector(out.dL_dz[0]), ".",
  ];
}

/**
 * The sigmoid output's δ under binary cross-entropy, by the server's paired rule: f′(z) = ŷ(1 − ŷ)
 * cancels the loss's denominator, so δ = (ŷ − y)/(K·B) comes straight from the loss (exact even
 * where ŷ has rounded to 0 or 1, f′(z) is 0 and ∂L/∂a past float64's range).
 */
function sigmoidBceDelta(out, loss, batch) {
  const K = out.dL_dz[0].length;
  const per = K * batch > 1 ? " / (K·B)" : "";
  return [
    `At the sigmoid output with binary cross-entropy, f′(z) = ŷ(1 − ŷ) cancels the loss's denominator, so δ = ∂L/∂z = (ŷ − y)${per} = `,
    ...vector(out.dL_dz[0]), K * batch > 1 ? ` (K = ${K} output${K > 1 ? "s" : ""}, B = ${batch})` : "",
    ...(loss ? [", with ŷ = ", ...vector(loss.output[0]), " and y = ", ...vector(loss.targets[0])] : []), ", straight from the loss.",
  ];
}

/** Plain-language account of what the phase just did, with the API's numbers (row 1). */
export function captionFor(name, trace) {
  const { network } = store.get();
  const L = network.layers.length - 1;
  const f = trace.forward;
  const batch = f?.batch_size ?? f?.inputs.length ?? 1;
  const batchText = batch > 1 ? ` (batch of ${batch}; the drawing shows sample 1)` : "";
  if (name === "forward") {
    // x as the data has it; when the network sees it otherwise, what the input layer got too.
    const x = hasInputScale(network) || f.data_inputs ? forwardInputs(f, network) : null;
    const seen = x && (x.length !== f.inputs[0].length || x.some((v, i) => v !== f.inputs[0][i]));
    const scaledAs = hasInputScale(network) ? "standardized" : "as its features";
    return [
      bold("Forward"), `${batchText}: x = `, ...(x ? dataInputs(x) : vector(f.inputs[0])),
      ...(seen ? [" in the data's units (the input layer got ", ...vector(f.inputs[0]), `, ${scaledAs})`] : []),
      " flowed left to right. Each neuron took z = Σ w·a + b of the layer before and applied its activation a = f(z). The output is ŷ = ",
      ...dataVector(f.output[0], network),
      ...(hasUnits(network) ? [" in the data's units (the network's own output is ", ...vector(f.output[0]), ", standardized)"] : []),
      ". Next: Loss compares it with the target.",
    ];
  }
  if (name === "loss") {
    const l = trace.loss;
    const units = hasUnits(network);
    const lossName = network.loss.replace(/_/g, " ");
    const standardized = units ? "; in standardized units: the loss compares (ŷ − mean)/std with (y − mean)/std" : "";
    const compared = [
      "ŷ = ", ...dataVector(l.output[0], network), " with the target y = ", ...dataVector(l.targets[0], network), units ? " (the data's units)" : "",
    ];
    const slope = [...vector(l.dL_da[0]), units ? " (standardized)" : ""];
    if (l.batch_size > 1) {
      // L is the batch's mean: sample 1's own loss differs, and its slope is 1/B of its own loss's.
      const B = l.batch_size;
      return [
        bold("Loss"), ` (batch of ${B}; the drawing shows sample 1): comparing sample 1's `, ...compared, " gives it a loss of ",
        number(l.per_sample[0]), units ? ", in standardized units ((ŷ − mean)/std against (y − mean)/std)" : "",
        ". L = ", number(l.loss), ` is the mean of the ${B} samples' ${lossName} losses`,
        ...(l.penalty ? [" plus the penalty ", number(l.penalty)] : []),
        ". Sample 1's slope at the output, ∂L/∂a = ", ...slope,
        `, is 1/${B} of the slope of its own loss, as L averages the batch; it is where backpropagation starts.`,
      ];
    }
    return [
      bold("Loss"), ": comparing ", ...compared, " gives L = ", number(l.loss),
      ` (${lossName}`, ...(l.penalty ? [" + penalty ", number(l.penalty)] : []), standardized,
      "). Its slope at the output, ∂L/∂a = ", ...slope, ", is where backpropagation starts.",
    ];
  }
  if (name === "backward") {
    const out = trace.backward.layers.find((ly) => ly.index === L);
    const first = out.dL_dz_rule === "paired_sigmoid_bce" ? sigmoidBceDelta(out, trace.loss, batch) : out.da_dz === null ? softmaxDelta(out, trace.loss, batch) : [
      "The gradient ∂L/∂a = ", ...vector(out.dL_da[0]), " at the output is multiplied by f′(z) = ", ...vector(out.da_dz[0]),
      " to give δ = ∂L/∂z = ", ...vector(out.dL_dz[0]), ".",
    ];
    // Over a batch, a weight's ∂L/∂w sums every sample's δ · input (each δ already carries the
    // 1/B of the mean): the edges show that sum, the neurons sample 1's δ.
    const perWeight = batch > 1
      ? ` Each weight's ∂L/∂w = Σ δ · (the input it multiplies), summed over the batch's ${batch} samples: the edges show the sum, the neurons sample 1's δ`
      : " Each weight's ∂L/∂w = δ · (the input it multiplies)";
    return [
      bold("Backward"), `${batchText}: `, ...first, perWeight,
      "; each hidden layer gets δ = f′(z) · Σ w·δ from the layer after it. Thicker purple pulses and glows mean larger |∂L/∂w|.",
      ...adviceAfterBackward(store.get()),
    ];
  }
  if (name === "update" || name === "step") {
    const u = trace.update;
    const { moved, frozen } = updateScope(network);
    const v = moved === "every bias" ? "b" : "w";
    const rule = u.optimizer === "sgd" ? [`${v} ← ${v} − η·∂L/∂${v} with η = `, number(u.learning_rate)] : [`${u.optimizer} steps with η = `, number(u.learning_rate)];
    // What did not move is said first: a frozen parameter's step is 0.
    const what = !moved
      ? ["nothing moved: every weight and bias is frozen (not trainable)."]
      : [frozen ? `${frozen} are frozen (not trainable) and did not move; ` : "", `${moved} moved against its gradient (`, ...rule, ")."];
    return [
      ...(name === "step" ? [bold("Step"), ": forward, loss, backward and update in one go; "] : [bold("Update"), ": "]),
      ...what, " On this batch the loss went from ", number(trace.loss?.loss),
      ...(u.loss_after === null
        ? [" to more than float64 can hold (it overflowed; the batch that comes next still runs)."]
        : [" to ", number(u.loss_after), hasUnits(network) ? " (standardized units)" : "", "."]),
      u.epoch_completed ? ` That was the last batch of epoch ${u.epoch}.` : "",
      ...adviceAfterUpdate(store.get()),
    ];
  }
  return [];
}

export function renderCaption(parts) {
  const p = $("[data-caption]");
  p.replaceChildren();
  for (const part of parts || []) {
    if (typeof part === "string") p.appendChild(document.createTextNode(part));
    else if (part.bold !== undefined) {
      const b = document.createElement("strong");
      b.textContent = part.bold;
      p.appendChild(b);
    } else if (part.number !== undefined) p.appendChild(numSpan(part.number));
    else if (part.button !== undefined) {
      // An action the caption offers ("Back to the trained network").
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link-button";
      b.dataset.action = part.action;
      b.textContent = part.button;
      b.addEventListener("click", part.onClick);
      p.appendChild(b);
    } else if (part.units !== undefined) {
      const span = numSpan(part.units);
      span.textContent = fmtUnits(part.units);
      span.dataset.units = part.input ? "input" : "data";
      p.appendChild(span);
    }
  }
}

/** The chain-rule line under the drawing (chain-path.js): text and numbers, or nothing. */
export function renderChain(parts) {
  const p = $("[data-chain]");
  if (!p) return;
  p.hidden = !parts;
  p.replaceChildren(...(parts ?? []).map((part) => (part.number !== undefined ? numSpan(part.number) : document.createTextNode(part.text))));
}
