// How the networks in the columns differ: each setup field as text, and which fields differ.

import { fmt } from "../format.js";
import { layerName } from "../names.js";

function optimizerText(o) {
  if (o.name === "momentum") return `momentum (β ${fmt(o.beta)})`;
  if (o.name === "adam") return `adam (β₁ ${fmt(o.beta1)}, β₂ ${fmt(o.beta2)})`;
  return o.name;
}

function dataText(network) {
  const d = network.data;
  if (!d) return "none";
  if (d.generator) {
    const parts = [d.generator.replace(/_/g, " ")];
    if (!["xor", "and", "or"].includes(d.generator)) parts.push(`n ${d.n}`, `noise ${fmt(d.noise)}`);
    parts.push(`seed ${d.seed}`);
    if (d.classes) parts.push(`${d.classes} classes`);
    return parts.join(", ");
  }
  if (d.dataset_id) return `uploaded CSV ${d.dataset_id}`;
  return `${d.inputs?.length ?? "?"} rows given inline`;
}

function trainableText(t) {
  const one = (x) => (x.weights && x.biases ? "all parameters" : x.weights ? "weights only" : x.biases ? "biases only" : "none (frozen)");
  if (!Array.isArray(t)) return one(t);
  const each = t.map(one);
  return each.every((x) => x === each[0]) ? each[0] : each.map((x, k) => `${layerName(k + 1, each.length)} ${x}`).join(", ");
}

/** The setup of `network` as [{key, label, text}], in the order a learner reads a setup. */
export function describe(network) {
  const init = network.init;
  return [
    { key: "layers", label: "layers", text: network.layers.join("–") },
    { key: "activations", label: "activations", text: network.activations.join(", ") },
    { key: "learning_rate", label: "η", text: fmt(network.learning_rate) },
    { key: "optimizer", label: "optimizer", text: optimizerText(network.optimizer) },
    { key: "init", label: "init", text: `${init.method}${init.scale !== null && init.scale !== undefined ? ` (scale ${fmt(init.scale)})` : ""}, seed ${init.seed}` },
    { key: "loss", label: "loss", text: network.loss.replace(/_/g, " ") },
    { key: "regularization", label: "regularization", text: network.regularization.kind === "none" ? "none" : `${network.regularization.kind} λ ${fmt(network.regularization.rate)}` },
    { key: "batch_size", label: "batch size", text: String(network.batch_size) },
    { key: "data", label: "data", text: dataText(network) },
    { key: "features", label: "features", text: (network.features ?? network.feature_names).join(", ") },
    { key: "validation_split", label: "validation split", text: fmt(network.validation_split) },
    { key: "seed", label: "shuffle seed", text: String(network.seed) },
    { key: "trainable", label: "trainable", text: trainableText(network.trainable) },
  ];
}

/**
 * Across `networks` (the columns that loaded): the keys whose text differs, and the fields
 * every network shares, [{label, text}].
 */
export function compareSetups(networks) {
  const rows = networks.map(describe);
  const differing = new Set();
  const same = [];
  (rows[0] ?? []).forEach((field, k) => {
    if (rows.some((r) => r[k].text !== field.text)) differing.add(field.key);
    else same.push(field);
  });
  return { differing, same };
}
