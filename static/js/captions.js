// The caption under the drawing: what a phase is doing, then what it did, with the API's numbers.

import { $, store } from "./context.js";
import { numSpan } from "./format.js";

/** Caption segments: strings, {bold: text}, or {number: x} (4 significant digits, full on hover). */
export const bold = (text) => ({ bold: text });
export const number = (x) => ({ number: x });
const vector = (xs) => (xs.length === 1 ? [number(xs[0])] : ["(", ...xs.flatMap((x, k) => (k ? [", ", number(x)] : [number(x)])), ")"]);

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

/** Plain-language account of what the phase just did, with the API's numbers (row 1). */
export function captionFor(name, trace) {
  const { network } = store.get();
  const L = network.layers.length - 1;
  const f = trace.forward;
  const batch = f?.batch_size ?? f?.inputs.length ?? 1;
  const batchText = batch > 1 ? ` (batch of ${batch}; the drawing shows sample 1)` : "";
  if (name === "forward") {
    return [
      bold("Forward"), `${batchText}: x = `, ...vector(f.inputs[0]),
      " flowed left to right. Each neuron took z = Σ w·a + b of the layer before and applied its activation a = f(z). The output is ŷ = ",
      ...vector(f.output[0]), ". Next: Loss compares it with the target.",
    ];
  }
  if (name === "loss") {
    const l = trace.loss;
    return [
      bold("Loss"), ": comparing ŷ = ", ...vector(l.output[0]), " with the target y = ", ...vector(l.targets[0]), " gives L = ", number(l.loss),
      ` (${network.loss.replace(/_/g, " ")}`, ...(l.penalty ? [" + penalty ", number(l.penalty)] : []), "). Its slope at the output, ∂L/∂a = ",
      ...vector(l.dL_da[0]), ", is where backpropagation starts.",
    ];
  }
  if (name === "backward") {
    const out = trace.backward.layers.find((ly) => ly.index === L);
    const flags = trace.backward.health;
    const first =
      out.da_dz === null
        ? [`At the ${network.activations[L - 1]} output, ∂L/∂z = `, ...vector(out.dL_dz[0]), " comes straight from the loss (ŷ − y form)."]
        : ["The gradient ∂L/∂a = ", ...vector(out.dL_da[0]), " at the output is multiplied by f′(z) = ", ...vector(out.da_dz[0]), " to give δ = ∂L/∂z = ", ...vector(out.dL_dz[0]), "."];
    const health = flags.vanishing ? " Some layers' gradients are vanishing." : flags.exploding ? " Some gradients are exploding." : "";
    return [
      bold("Backward"), `${batchText}: `, ...first,
      " Each weight's ∂L/∂w = δ · (the input it multiplies); each hidden layer gets δ = f′(z) · Σ w·δ from the layer after it. Thicker purple pulses and glows mean larger |∂L/∂w|.",
      health,
    ];
  }
  if (name === "update" || name === "step") {
    const u = trace.update;
    const rule = u.optimizer === "sgd" ? ["w ← w − η·∂L/∂w with η = ", number(u.learning_rate)] : [`${u.optimizer} steps with η = `, number(u.learning_rate)];
    return [
      ...(name === "step" ? [bold("Step"), ": forward, loss, backward and update in one go. "] : [bold("Update"), ": "]),
      "every weight and bias moved against its gradient (", ...rule, "). On this batch the loss went from ", number(trace.loss?.loss),
      ...(u.loss_after === null ? [" to more than float64 can hold (it overflowed; the batch that comes next still runs)."] : [" to ", number(u.loss_after), "."]),
      u.epoch_completed ? ` That was the last batch of epoch ${u.epoch}.` : "",
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
  }
}
