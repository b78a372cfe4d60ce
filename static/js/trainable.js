// Which parameters Update may move: the network's `trainable` switches (one {weights, biases}
// for every layer, or one per layer), said the same way by the caption, the inspector and the
// chain line under the drawing. A frozen parameter keeps its value: the server's step is 0.

import { layerName } from "./names.js";

/** Layer l's (1-based) switches: {weights, biases}, true where Update moves them. */
export function trainableOf(network, l) {
  const t = network?.trainable;
  const spec = Array.isArray(t) ? t[l - 1] : t;
  return { weights: spec?.weights !== false, biases: spec?.biases !== false };
}

/** True when Update leaves this parameter as it is: `kind` is "edge"/"w" or "bias"/"b". */
export const isFrozen = (network, kind, l) => !trainableOf(network, l)[kind === "edge" || kind === "w" ? "weights" : "biases"];

/**
 * What Update moved, for the caption: {moved, frozen} in words. `moved` starts the sentence
 * ("every weight and bias", "every weight", …, or null when nothing moved); `frozen` names
 * what did not move ("the biases", "the weights of Hidden 1 and the biases of Output"), or null.
 */
export function updateScope(network) {
  const L = network.layers.length - 1;
  const layers = Array.from({ length: L }, (_, k) => trainableOf(network, k + 1));
  const all = (kind) => layers.every((t) => t[kind]);
  const none = (kind) => layers.every((t) => !t[kind]);
  if (all("weights") && all("biases")) return { moved: "every weight and bias", frozen: null };
  if (none("weights") && none("biases")) return { moved: null, frozen: "every weight and bias" };
  const uniform = (kind) => all(kind) || none(kind);
  if (uniform("weights") && uniform("biases")) {
    return all("weights") ? { moved: "every weight", frozen: "the biases" } : { moved: "every bias", frozen: "the weights" };
  }
  // One switch per layer, mixed: name the frozen ones layer by layer.
  const frozen = [];
  layers.forEach((t, k) => {
    const kinds = [!t.weights && "weights", !t.biases && "biases"].filter(Boolean);
    if (kinds.length) frozen.push(`the ${kinds.join(" and ")} of ${layerName(k + 1, L)}`);
  });
  const list = frozen.length > 1 ? `${frozen.slice(0, -1).join(", ")} and ${frozen[frozen.length - 1]}` : frozen[0];
  return { moved: "every other weight and bias", frozen: list };
}
