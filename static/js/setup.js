// The learner's setup: one plain object with full names, turned into a network spec or a PATCH.

import { fmt } from "./format.js";

// Settings that learn smoothly, and visibly within ~200 epochs, for each built-in dataset;
// picking a dataset applies them (a setup restored from a URL is left as it is).
// Four-row truth tables: one sample per step, a large step. Generated point clouds: mini-batches
// of 10 with a smaller step, so the loss falls instead of jumping about. The spiral needs more,
// wider ReLU layers and Adam to untangle its arms in that time.
const hiddenLayers = (sizes, activation) => sizes.map((size) => ({ size, activation }));
const TRUTH_TABLE = { hidden: hiddenLayers([3], "tanh"), learning_rate: 0.5, batch_size: 1, optimizer: "sgd", validation_split: 0 };
const CLOUD = { hidden: hiddenLayers([4, 4], "tanh"), learning_rate: 0.1, batch_size: 10, optimizer: "sgd" };
const CURVE = { learning_rate: 0.05, batch_size: 10, optimizer: "sgd" };
const REAL = { learning_rate: 0.1, batch_size: 10, optimizer: "sgd", validation_split: 0.2 };
export const DATASET_DEFAULTS = {
  xor: TRUTH_TABLE,
  and: TRUTH_TABLE,
  or: TRUTH_TABLE,
  circles: CLOUD,
  moons: CLOUD,
  quadrants: CLOUD,
  blobs: CLOUD,
  multiclass_blobs: { ...CLOUD, classes: 3 },
  spiral: { hidden: hiddenLayers([24, 24], "relu"), learning_rate: 0.01, batch_size: 10, optimizer: "adam", classes: 2 },
  linear: { ...CURVE, hidden: hiddenLayers([4], "tanh") },
  sine: { ...CURVE, hidden: hiddenLayers([8], "tanh") },
  house_prices: { ...CURVE, hidden: hiddenLayers([8], "tanh") },
  // Real data: a fifth held out to show how well it generalizes (the settings docs/api.md states).
  iris: { ...REAL, hidden: hiddenLayers([8], "tanh") },
  wine: { ...REAL, hidden: hiddenLayers([16], "tanh") },
  breast_cancer: { ...REAL, hidden: hiddenLayers([16], "tanh") },
  digits: { ...REAL, hidden: hiddenLayers([32], "tanh") },
  diabetes: { ...REAL, hidden: hiddenLayers([16], "tanh"), learning_rate: 0.01 },
};
/** For an uploaded CSV, known only by its task once loaded. */
const TASK_DEFAULTS = {
  binary: { learning_rate: 0.1, batch_size: 10, optimizer: "sgd" },
  multiclass: { learning_rate: 0.1, batch_size: 10, optimizer: "sgd" },
  regression: { learning_rate: 0.05, batch_size: 10, optimizer: "sgd" },
};

/** Apply a dataset's defaults to `setup` (in place); `task` is used for uploads. */
export function applyDatasetDefaults(setup, task = null) {
  const d = DATASET_DEFAULTS[setup.dataset] ?? (task ? TASK_DEFAULTS[task] : null);
  if (!d) return setup;
  Object.assign(setup, structuredClone(d));
  return setup;
}

export const DEFAULT_SETUP = Object.freeze({
  dataset: "xor", // generator name, or "upload:<dataset_id>"
  samples: 200,
  noise: 0.1,
  classes: 3,
  data_seed: 1,
  validation_split: 0,
  output_activation: "sigmoid",
  loss: "bce",
  ...TRUTH_TABLE,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  regularization: "none",
  regularization_rate: 0.001,
  init: "xavier",
  init_seed: 0,
  shuffle_seed: 0,
  features: ["x1", "x2"], // engineered input features (2-D generated data only)
  inline: null, // {inputs, targets, feature_names, target_names, task} of hand-written data (dataset "inline")
});

/** A fresh, deep copy of the default setup. */
export const defaultSetup = () => structuredClone({ ...DEFAULT_SETUP, hidden: DEFAULT_SETUP.hidden.map((l) => ({ ...l })), features: [...DEFAULT_SETUP.features] });

/**
 * A link that names only some fields (a hand-written `#ds=diabetes&lr=0.05`): the others as
 * picking its dataset in the form gives them, the dataset's defaults and its task's output
 * activation and loss. `given` names the fields the link set; a link the page wrote sets them all.
 */
export function completeSetup(setup, given, catalog) {
  const base = applyDatasetDefaults({ ...defaultSetup(), dataset: setup.dataset });
  if (given.has("classes")) base.classes = setup.classes;
  const task = taskOf(base, catalog);
  if (task) applyPairing(base, task, catalog.pairings);
  for (const [k, v] of Object.entries(base)) if (!given.has(k)) setup[k] = v;
  return setup;
}

/** The task of a generator or shipped dataset as `setup` asks for it: the catalog's, except
 * that a number of classes of 2 is binary and of more multiclass (spiral has 2 or 3). */
export function taskOf(setup, catalog) {
  const task = catalog.datasets.find((d) => d.name === setup.dataset)?.task;
  if (!task || !usesClasses(setup.dataset)) return task;
  return setup.classes === 2 ? "binary" : "multiclass";
}

/** The output activation and loss that belong to a task, from the catalog's pairings. */
export function applyPairing(setup, task, pairings) {
  const pair = pairings?.[task];
  if (pair) Object.assign(setup, { output_activation: pair.activation, loss: pair.loss });
  return setup;
}

/** The setup's plain form fields: numbers, and choices from a <select>. */
export const NUMBERS = [
  "samples", "noise", "classes", "data_seed", "validation_split", "learning_rate", "batch_size",
  "regularization_rate", "init_seed", "shuffle_seed", "momentum", "beta1", "beta2",
];
export const CHOICES = ["loss", "optimizer", "regularization", "init"];
/** Changing one of these rebuilds the network (new data or new initial weights). */
const STRUCTURAL = ["dataset", "samples", "noise", "classes", "data_seed", "validation_split", "init", "init_seed", "shuffle_seed"];
/** Whether a change of the setup's `key` takes a new network (Build network). */
export const isStructural = (key) => STRUCTURAL.includes(key);

/** The optimizer object of the wire format, with only the fields its name uses. */
export function optimizerSpec(setup) {
  if (setup.optimizer === "momentum") return { name: "momentum", beta: setup.momentum };
  if (setup.optimizer === "adam") return { name: "adam", beta1: setup.beta1, beta2: setup.beta2 };
  return { name: setup.optimizer };
}

export const isUpload = (setup) => setup.dataset.startsWith("upload:");
/** Hand-written rows (a lesson's, an imported network's): kept as they are on rebuild. */
export const INLINE = "inline";
export const isInline = (setup) => setup.dataset === INLINE && Boolean(setup.inline);

/** Engineered features apply to generated 2-D data (x1, x2) only; `shape` is the data's. */
export const usesFeatures = (setup, shape) => !isUpload(setup) && !isInline(setup) && shape?.nIn === 2;
/** The input layer's size: the number of features where they apply, else the data's columns. */
export const inputSize = (setup, shape) => (usesFeatures(setup, shape) ? setup.features.length : shape?.nIn);

const CLASS_DATASETS = new Set(["spiral", "multiclass_blobs"]);
export const usesClasses = (dataset) => CLASS_DATASETS.has(dataset);

export function dataSpec(setup) {
  if (isUpload(setup)) return { dataset_id: setup.dataset.slice("upload:".length) };
  if (isInline(setup)) {
    const { inputs, targets, feature_names, target_names } = setup.inline;
    return { inputs, targets, feature_names, target_names };
  }
  const spec = { generator: setup.dataset, n: setup.samples, noise: setup.noise, seed: setup.data_seed };
  if (usesClasses(setup.dataset)) spec.classes = setup.classes;
  return spec;
}

const activationsOf = (setup) => [...setup.hidden.map((l) => l.activation), setup.output_activation];

/** The POST /api/networks body; `shape` = {nIn, nOut} of the data. */
export function toSpec(setup, shape) {
  const spec = {
    layers: [inputSize(setup, shape), ...setup.hidden.map((l) => l.size), shape.nOut],
    activations: activationsOf(setup),
    loss: setup.loss,
    learning_rate: setup.learning_rate,
    optimizer: optimizerSpec(setup),
    regularization: { kind: setup.regularization, rate: setup.regularization_rate },
    init: { method: setup.init, seed: setup.init_seed },
    data: dataSpec(setup),
    batch_size: setup.batch_size,
    validation_split: setup.validation_split,
    seed: setup.shuffle_seed,
  };
  if (usesFeatures(setup, shape)) spec.features = [...setup.features];
  return spec;
}

/** True when going from `oldSetup` to `setup` needs a new network (data, shapes or initial weights). */
export function needsRebuild(oldSetup, setup) {
  if (STRUCTURAL.some((k) => oldSetup[k] !== setup[k])) return true;
  if (oldSetup.features.join(",") !== setup.features.join(",")) return true;
  if (JSON.stringify(oldSetup.inline) !== JSON.stringify(setup.inline)) return true;
  if (oldSetup.hidden.length !== setup.hidden.length) return true;
  return oldSetup.hidden.some((l, i) => l.size !== setup.hidden[i].size);
}

/** Fields PATCH can change without rebuilding (same shapes, same data); null when it cannot. */
export function patchFor(oldSetup, setup) {
  if (needsRebuild(oldSetup, setup)) return null;
  const patch = {};
  if (oldSetup.learning_rate !== setup.learning_rate) patch.learning_rate = setup.learning_rate;
  if (["optimizer", "momentum", "beta1", "beta2"].some((k) => oldSetup[k] !== setup[k])) patch.optimizer = optimizerSpec(setup);
  if (oldSetup.regularization !== setup.regularization || oldSetup.regularization_rate !== setup.regularization_rate) {
    patch.regularization = { kind: setup.regularization, rate: setup.regularization_rate };
  }
  if (oldSetup.batch_size !== setup.batch_size) patch.batch_size = setup.batch_size;
  if (oldSetup.loss !== setup.loss) patch.loss = setup.loss;
  if (activationsOf(oldSetup).join(",") !== activationsOf(setup).join(",")) patch.activations = activationsOf(setup);
  return patch;
}

/**
 * The setup that describes a network from the API (an imported or linked one, a lesson's),
 * starting from `base` for what the network does not say. Hand-written data (inline arrays)
 * becomes the dataset "inline", whose rows are kept for a rebuild. Null without data.
 */
export function setupFromNetwork(network, base) {
  const d = network.data || {};
  if (!d.generator && !d.dataset_id && !d.inputs) return null;
  const s = structuredClone(base);
  s.features = [...(network.features ?? DEFAULT_SETUP.features)];
  s.inline = null;
  if (d.inputs) {
    s.dataset = INLINE;
    s.inline = {
      inputs: d.inputs, targets: d.targets, task: network.task,
      feature_names: d.feature_names ?? network.feature_names, target_names: d.target_names ?? network.target_names,
    };
  } else {
    s.dataset = d.generator ?? `upload:${d.dataset_id}`;
  }
  if (d.generator) {
    for (const [k, v] of [["samples", d.n], ["noise", d.noise], ["data_seed", d.seed], ["classes", d.classes]]) {
      if (v !== null && v !== undefined) s[k] = v;
    }
  }
  const acts = network.activations;
  s.hidden = network.layers.slice(1, -1).map((size, k) => ({ size, activation: acts[k] }));
  s.output_activation = acts[acts.length - 1];
  s.loss = network.loss;
  s.learning_rate = network.learning_rate;
  s.batch_size = network.batch_size;
  s.validation_split = network.validation_split;
  s.shuffle_seed = network.seed;
  const o = network.optimizer;
  s.optimizer = o.name;
  if (o.beta !== undefined) s.momentum = o.beta;
  if (o.beta1 !== undefined) s.beta1 = o.beta1;
  if (o.beta2 !== undefined) s.beta2 = o.beta2;
  s.regularization = network.regularization.kind;
  s.regularization_rate = network.regularization.rate;
  s.init = network.init.method;
  s.init_seed = network.init.seed;
  return s;
}

/** The live settings (what PATCH changes) in words, as the learner reads them on the form. */
const LIVE_SETTINGS = {
  learning_rate: ["η", (s) => fmt(s.learning_rate)],
  optimizer: [
    "optimizer",
    (s) =>
      s.optimizer === "momentum"
        ? `momentum (β ${fmt(s.momentum)})`
        : s.optimizer === "adam" ? `adam (β₁ ${fmt(s.beta1)}, β₂ ${fmt(s.beta2)})` : s.optimizer,
  ],
  regularization: ["regularization", (s) => (s.regularization === "none" ? "none" : `${s.regularization.toUpperCase()} (λ ${fmt(s.regularization_rate)})`)],
  batch_size: ["batch size", (s) => String(s.batch_size)],
  loss: ["loss", (s) => s.loss.replace(/_/g, " ")],
  activations: ["activations", (s) => activationsOf(s).join(", ")],
};

/** The live settings that differ from `from` to `to`: [{key, name, from, to}] in words. */
export function settingsChange(from, to) {
  const patch = patchFor(from, to) ?? {};
  return Object.keys(LIVE_SETTINGS)
    .filter((key) => key in patch)
    .map((key) => {
      const [name, show] = LIVE_SETTINGS[key];
      return { key, name, from: show(from), to: show(to) };
    });
}

/** "η 0.1 → 0.01, batch size 10 → 5". */
export const describeChange = (from, to) => settingsChange(from, to).map((c) => `${c.name} ${c.from} → ${c.to}`).join(", ");

/** "η 0.1, optimizer sgd, …": the live settings of a setup, for saying what stays in force. */
export const describeSettings = (setup, keys = Object.keys(LIVE_SETTINGS)) =>
  keys.map((key) => `${LIVE_SETTINGS[key][0]} ${LIVE_SETTINGS[key][1](setup)}`).join(", ");
