// The learner's setup: one plain object that serializes to the URL hash and to a network spec.

// Settings that learn smoothly, and visibly within ~200 epochs, for each built-in dataset;
// picking a dataset applies them (a setup restored from a URL is left as it is).
// Four-row truth tables: one sample per step, a large step. Generated point clouds: mini-batches
// of 10 with a smaller step, so the loss falls instead of jumping about. The spiral needs more,
// wider ReLU layers and Adam to untangle its arms in that time.
const hiddenLayers = (sizes, act) => sizes.map((size) => ({ size, act }));
const TRUTH_TABLE = { hidden: hiddenLayers([3], "tanh"), lr: 0.5, bs: 1, opt: "sgd" };
const CLOUD = { hidden: hiddenLayers([4, 4], "tanh"), lr: 0.1, bs: 10, opt: "sgd" };
const CURVE = { lr: 0.05, bs: 10, opt: "sgd" };
export const DATASET_DEFAULTS = {
  xor: TRUTH_TABLE,
  and: TRUTH_TABLE,
  or: TRUTH_TABLE,
  circles: CLOUD,
  moons: CLOUD,
  quadrants: CLOUD,
  blobs: CLOUD,
  multiclass_blobs: { ...CLOUD, classes: 3 },
  spiral: { hidden: hiddenLayers([24, 24], "relu"), lr: 0.01, bs: 10, opt: "adam", classes: 2 },
  linear: { ...CURVE, hidden: hiddenLayers([4], "tanh") },
  sine: { ...CURVE, hidden: hiddenLayers([8], "tanh") },
  house_prices: { ...CURVE, hidden: hiddenLayers([8], "tanh") },
};
/** For an uploaded CSV, known only by its task once loaded. */
const TASK_DEFAULTS = {
  binary: { lr: 0.1, bs: 10, opt: "sgd" },
  multiclass: { lr: 0.1, bs: 10, opt: "sgd" },
  regression: { lr: 0.05, bs: 10, opt: "sgd" },
};

/** Apply a dataset's defaults to `setup` (in place); `task` is used for uploads. */
export function applyDatasetDefaults(setup, task = null) {
  const d = DATASET_DEFAULTS[setup.ds] ?? (task ? TASK_DEFAULTS[task] : null);
  if (!d) return setup;
  Object.assign(setup, structuredClone(d));
  return setup;
}

export const DEFAULT_SETUP = Object.freeze({
  ds: "xor", // generator name, or "upload:<dataset_id>"
  n: 200,
  noise: 0.1,
  classes: 3,
  dseed: 1,
  val: 0,
  out: "sigmoid",
  loss: "bce",
  ...TRUTH_TABLE,
  beta: 0.9,
  b1: 0.9,
  b2: 0.999,
  reg: "none",
  rr: 0.001,
  init: "xavier",
  iseed: 0,
  seed: 0,
});

/** Output activation and loss that belong together for a task. */
export const PAIRINGS = {
  binary: { out: "sigmoid", loss: "bce" },
  multiclass: { out: "softmax", loss: "cross_entropy" },
  regression: { out: "linear", loss: "mse" },
};

/** The setup's plain form fields: numbers, and choices from a <select>. */
export const NUMBERS = ["n", "noise", "classes", "dseed", "val", "lr", "bs", "rr", "iseed", "seed", "beta", "b1", "b2"];
export const CHOICES = ["loss", "opt", "reg", "init"];

/** The optimizer object of the wire format, with only the fields its name uses. */
export function optimizerSpec(setup) {
  if (setup.opt === "momentum") return { name: "momentum", beta: setup.beta };
  if (setup.opt === "adam") return { name: "adam", beta1: setup.b1, beta2: setup.b2 };
  return { name: setup.opt };
}
const STRINGS = ["ds", "out", ...CHOICES];

export function toHash(setup) {
  const p = new URLSearchParams();
  for (const k of STRINGS) p.set(k, setup[k]);
  for (const k of NUMBERS) p.set(k, String(setup[k]));
  p.set("h", setup.hidden.map((l) => `${l.size}.${l.act}`).join(","));
  return `#${p.toString()}`;
}

/** Parse a hash; unknown or malformed fields fall back to the defaults. */
export function fromHash(hash) {
  const setup = structuredClone({ ...DEFAULT_SETUP, hidden: DEFAULT_SETUP.hidden.map((l) => ({ ...l })) });
  const text = (hash || "").replace(/^#/, "");
  if (!text) return setup;
  const p = new URLSearchParams(text);
  for (const k of STRINGS) if (p.has(k) && p.get(k)) setup[k] = p.get(k);
  for (const k of NUMBERS) {
    if (!p.has(k)) continue;
    const v = Number(p.get(k));
    if (Number.isFinite(v)) setup[k] = v;
  }
  if (p.has("h")) {
    const h = p.get("h");
    setup.hidden = h
      ? h.split(",").map((part) => {
          const [size, act] = part.split(".");
          return { size: Math.max(1, Math.round(Number(size)) || 1), act: act || "tanh" };
        })
      : [];
  }
  return setup;
}

export const isUpload = (setup) => setup.ds.startsWith("upload:");

const CLASS_DATASETS = new Set(["spiral", "multiclass_blobs"]);
export const usesClasses = (ds) => CLASS_DATASETS.has(ds);

export function dataSpec(setup) {
  if (isUpload(setup)) return { dataset_id: setup.ds.slice("upload:".length) };
  const spec = { generator: setup.ds, n: setup.n, noise: setup.noise, seed: setup.dseed };
  if (usesClasses(setup.ds)) spec.classes = setup.classes;
  return spec;
}

/** The POST /api/networks body; `shape` = {nIn, nOut} of the data. */
export function toSpec(setup, shape) {
  return {
    layers: [shape.nIn, ...setup.hidden.map((l) => l.size), shape.nOut],
    activations: [...setup.hidden.map((l) => l.act), setup.out],
    loss: setup.loss,
    learning_rate: setup.lr,
    optimizer: optimizerSpec(setup),
    regularization: { kind: setup.reg, rate: setup.rr },
    init: { method: setup.init, seed: setup.iseed },
    data: dataSpec(setup),
    batch_size: setup.bs,
    validation_split: setup.val,
    seed: setup.seed,
  };
}

/** Fields PATCH can change without rebuilding (same shapes, same data). */
export function patchFor(oldSetup, setup) {
  const structural = ["ds", "n", "noise", "classes", "dseed", "val", "init", "iseed", "seed"];
  if (structural.some((k) => oldSetup[k] !== setup[k])) return null;
  if (oldSetup.hidden.length !== setup.hidden.length) return null;
  if (oldSetup.hidden.some((l, i) => l.size !== setup.hidden[i].size)) return null;
  const patch = {};
  if (oldSetup.lr !== setup.lr) patch.learning_rate = setup.lr;
  if (["opt", "beta", "b1", "b2"].some((k) => oldSetup[k] !== setup[k])) patch.optimizer = optimizerSpec(setup);
  if (oldSetup.reg !== setup.reg || oldSetup.rr !== setup.rr) {
    patch.regularization = { kind: setup.reg, rate: setup.rr };
  }
  if (oldSetup.bs !== setup.bs) patch.batch_size = setup.bs;
  if (oldSetup.loss !== setup.loss) patch.loss = setup.loss;
  const acts = (s) => [...s.hidden.map((l) => l.act), s.out].join(",");
  if (acts(oldSetup) !== acts(setup)) patch.activations = [...setup.hidden.map((l) => l.act), setup.out];
  return patch;
}

/**
 * The setup that describes a network from the API (e.g. an imported one), starting from
 * `base` for what the network does not say; null when its data is inline arrays, which the
 * form has no field for.
 */
export function setupFromNetwork(network, base) {
  const d = network.data || {};
  if (!d.generator && !d.dataset_id) return null;
  const s = structuredClone(base);
  s.ds = d.generator ?? `upload:${d.dataset_id}`;
  if (d.generator) {
    for (const [k, v] of [["n", d.n], ["noise", d.noise], ["dseed", d.seed], ["classes", d.classes]]) if (v !== null && v !== undefined) s[k] = v;
  }
  const acts = network.activations;
  s.hidden = network.layers.slice(1, -1).map((size, k) => ({ size, act: acts[k] }));
  s.out = acts[acts.length - 1];
  s.loss = network.loss;
  s.lr = network.learning_rate;
  s.bs = network.batch_size;
  s.val = network.validation_split;
  s.seed = network.seed;
  const o = network.optimizer;
  s.opt = o.name;
  if (o.beta !== undefined) s.beta = o.beta;
  if (o.beta1 !== undefined) s.b1 = o.beta1;
  if (o.beta2 !== undefined) s.b2 = o.beta2;
  s.reg = network.regularization.kind;
  s.rr = network.regularization.rate;
  s.init = network.init.method;
  s.iseed = network.init.seed;
  return s;
}
