// "A copy using …": a copy of a network with one setting changed, on the same data and seeds.

import * as api from "../api.js";

/**
 * What a copy can change. η and the optimizer keep the trained weights (export → import →
 * PATCH, so both runs go on from the same point); the others build a new network from the
 * spec with the same data and seeds, untrained.
 */
export const CHANGES = [
  { kind: "learning_rate", label: "learning rate η", keepsWeights: true },
  { kind: "optimizer", label: "optimizer", keepsWeights: true },
  { kind: "activation", label: "activation (hidden layers)", keepsWeights: false },
  { kind: "init", label: "initializer", keepsWeights: false },
  { kind: "depth", label: "depth (hidden layers)", keepsWeights: false },
];
export const changeOf = (kind) => CHANGES.find((c) => c.kind === kind);

/** The learning rates a network may have: above 0 and at most this (the server's bound on
 * `learning_rate`); the copy's η field offers them and a copy asks for no other. */
const MAX_LEARNING_RATE = 1000;

/**
 * What the copy keeps, in a sentence for the control's hint. `start`: the weights and biases
 * the network was built with when its spec gave them (see explicitStart), else null.
 */
export function howCopied(kind, start = null) {
  if (changeOf(kind).keepsWeights) {
    return "The copy keeps this network's trained weights, optimizer state and history (exported, imported, then changed), so both go on from here.";
  }
  if (!start) return "The copy is a new network on the same data with the same seeds, untrained: its initial weights come from the same init seed.";
  if (kind === "activation") {
    return "The copy is a new network on the same data with the same seeds, untrained: it starts from the very weights and biases this network was built with.";
  }
  const why = kind === "init" ? "the copy's come from the chosen initializer" : "they do not fit another depth, so the copy's come from the init seed";
  return `The copy is a new network on the same data with the same seeds, untrained. This network was built from explicit weights; ${why}.`;
}

const starts = new Map(); // network id → Promise of {weights, biases} or null

/**
 * The weights and biases `network` was built with when its spec gave them explicitly (read
 * from its export document, once per network), else null: a copy of a network built from
 * explicit weights starts from them, not from the init seed.
 */
export function explicitStart(network) {
  if (!starts.has(network.id)) {
    const start = api
      .exportNetwork(network.id)
      .then(({ spec }) => (spec.weights || spec.biases ? { weights: spec.weights ?? null, biases: spec.biases ?? null } : null))
      .catch(() => null);
    starts.set(network.id, start);
  }
  return starts.get(network.id);
}

const hiddenSizes = (network) => network.layers.slice(1, -1);
const hiddenActivations = (network) => network.activations.slice(0, -1);

/**
 * The values offered for `kind` on `network`: {input: "number", value, min, max, step} or
 * {input: "select", options: [...], value}. The default is something other than today's.
 */
export function choicesFor(kind, network, catalog) {
  if (kind === "learning_rate") {
    const lr = network.learning_rate;
    return { input: "number", value: Number((lr >= 1 ? lr / 10 : lr * 10).toPrecision(4)), min: 1e-6, max: MAX_LEARNING_RATE, step: "any" };
  }
  if (kind === "depth") {
    const now = hiddenSizes(network).length;
    const max = catalog.limits.max_layers - 1; // weight layers include the output layer
    return { input: "number", value: now < max ? now + 1 : now - 1, min: 0, max, step: 1 };
  }
  const names = {
    optimizer: catalog.optimizers.map((o) => o.name),
    activation: catalog.activations.filter((a) => !a.output_only).map((a) => a.name),
    init: catalog.initializers.map((i) => i.name),
  }[kind];
  const current = { optimizer: network.optimizer.name, init: network.init.method, activation: hiddenActivations(network)[0] }[kind];
  return { input: "select", options: names, value: names.find((n) => n !== current) ?? names[0] };
}

/** The POST /api/networks body that rebuilds `network` (same data, seeds and settings). */
export function specOf(network) {
  const spec = {
    layers: [...network.layers],
    activations: [...network.activations],
    loss: network.loss,
    learning_rate: network.learning_rate,
    optimizer: { ...network.optimizer },
    regularization: { ...network.regularization },
    init: { ...network.init },
    trainable: structuredClone(network.trainable),
    data: structuredClone(network.data),
    batch_size: network.batch_size,
    validation_split: network.validation_split,
    seed: network.seed,
  };
  if (network.features) spec.features = [...network.features];
  return spec;
}

/** `spec` with its hidden layers set to `sizes`/`activations` (trainable lists follow). */
function withHidden(spec, sizes, activations) {
  const out = structuredClone(spec);
  out.layers = [spec.layers[0], ...sizes, spec.layers[spec.layers.length - 1]];
  out.activations = [...activations, spec.activations[spec.activations.length - 1]];
  if (Array.isArray(spec.trainable)) {
    const last = spec.trainable[spec.trainable.length - 1];
    const hidden = sizes.map((_, k) => spec.trainable[k] ?? spec.trainable[Math.max(0, spec.trainable.length - 2)] ?? last);
    out.trainable = [...hidden, last];
  }
  return out;
}

/**
 * The spec of a copy of `network` with `kind` set to `value`; throws Error with a sentence.
 * `start`: the explicit weights and biases the network was built with (or null), which an
 * activation copy, whose shapes are the same, starts from too.
 */
export function changedSpec(network, kind, value, start = null) {
  const spec = specOf(network);
  const sizes = hiddenSizes(network);
  const acts = hiddenActivations(network);
  if (kind === "activation") {
    if (!sizes.length) throw new Error("This network has no hidden layer whose activation could change: add a layer (depth) instead.");
    const copy = withHidden(spec, sizes, acts.map(() => value));
    if (start?.weights) copy.weights = structuredClone(start.weights);
    if (start?.biases) copy.biases = structuredClone(start.biases);
    return copy;
  }
  if (kind === "init") return { ...spec, init: { method: value, seed: network.init.seed } };
  if (kind === "depth") {
    const depth = Math.round(Number(value));
    if (!Number.isFinite(depth) || depth < 0) throw new Error("Depth is a number of hidden layers: 0 or more.");
    const n = [...sizes];
    const a = [...acts];
    while (n.length > depth) {
      n.pop();
      a.pop();
    }
    while (n.length < depth) {
      n.push(n.at(-1) ?? 4);
      a.push(a.at(-1) ?? "tanh");
    }
    return withHidden(spec, n, a);
  }
  throw new Error(`Unknown change ${kind}`);
}

/** The PATCH for η or the optimizer. */
function patchFor(kind, value) {
  if (kind === "learning_rate") {
    const lr = Number(value);
    if (!Number.isFinite(lr) || lr <= 0 || lr > MAX_LEARNING_RATE) {
      throw new Error(`The learning rate η must be a number above 0 and at most ${MAX_LEARNING_RATE}.`);
    }
    return { learning_rate: lr };
  }
  return { optimizer: { name: value } };
}

/**
 * Build the copy on the server; resolves with the new network. A copy that the server refuses
 * (422, 413, …) throws ApiError with its sentence; a copy half made is deleted again.
 */
export async function makeCopy(network, kind, value) {
  if (!changeOf(kind).keepsWeights) {
    return api.createNetwork(changedSpec(network, kind, value, await explicitStart(network)));
  }
  const patch = patchFor(kind, value);
  const imported = await api.importNetwork(await api.exportNetwork(network.id));
  try {
    return await api.patchNetwork(imported.id, patch);
  } catch (err) {
    api.deleteNetwork(imported.id).catch(() => {});
    throw err;
  }
}
