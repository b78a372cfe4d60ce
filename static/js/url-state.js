// The one place the setup becomes a URL hash and back: short keys written, full or short read.

import { CHOICES, DEFAULT_SETUP, NUMBERS, defaultSetup } from "./setup.js";

/** Full name in memory → the short key written to the URL (links stay short; old links load). */
const SHORT = {
  dataset: "ds",
  samples: "n",
  noise: "noise",
  classes: "classes",
  data_seed: "dseed",
  validation_split: "val",
  output_activation: "out",
  loss: "loss",
  learning_rate: "lr",
  batch_size: "bs",
  optimizer: "opt",
  momentum: "beta",
  beta1: "b1",
  beta2: "b2",
  regularization: "reg",
  regularization_rate: "rr",
  init: "init",
  init_seed: "iseed",
  shuffle_seed: "seed",
};
const STRINGS = ["dataset", "output_activation", ...CHOICES];

/**
 * `#ds=…&…&h=4.tanh,4.tanh`, `feat=x1^2,x2^2` when the features are not (x1, x2), plus
 * `net=<id>` when a server network is named, and `share=<key>` that lets whoever opens the link
 * view it. Hand-written rows are not written: `net` names them.
 */
export function toHash(setup, networkId = null, share = null) {
  const p = new URLSearchParams();
  if (networkId) p.set("net", networkId);
  if (networkId && share) p.set("share", share);
  for (const k of STRINGS) p.set(SHORT[k], setup[k]);
  for (const k of NUMBERS) p.set(SHORT[k], String(setup[k]));
  p.set("h", setup.hidden.map((l) => `${l.size}.${l.activation}`).join(","));
  if (setup.features.join(",") !== DEFAULT_SETUP.features.join(",")) p.set("feat", setup.features.join(","));
  return `#${p.toString()}`;
}

/** The value of a field under its short key or its full name, else null. */
const field = (p, k) => (p.has(SHORT[k]) ? p.get(SHORT[k]) : p.has(k) ? p.get(k) : null);

/**
 * Parse a hash into {setup, networkId, share, given}; unknown or malformed fields fall back to the
 * defaults, and `given` names the setup's fields the hash set (completeSetup fills in the rest).
 */
export function fromHash(hash) {
  const setup = defaultSetup();
  const given = new Set();
  const text = (hash || "").replace(/^#/, "");
  if (!text) return { setup, networkId: null, share: null, given };
  const p = new URLSearchParams(text);
  for (const k of STRINGS) {
    const v = field(p, k);
    if (v) {
      setup[k] = v;
      given.add(k);
    }
  }
  for (const k of NUMBERS) {
    const v = field(p, k);
    if (v === null || v === "") continue;
    if (Number.isFinite(Number(v))) {
      setup[k] = Number(v);
      given.add(k);
    }
  }
  const h = p.has("h") ? p.get("h") : p.get("hidden");
  if (h !== null) {
    given.add("hidden");
    setup.hidden = h
      ? h.split(",").map((part) => {
          const [size, activation] = part.split(".");
          return { size: Math.max(1, Math.round(Number(size)) || 1), activation: activation || "tanh" };
        })
      : [];
  }
  const feat = p.has("feat") ? p.get("feat") : p.get("features");
  if (feat) {
    setup.features = [...new Set(feat.split(",").filter(Boolean))];
    given.add("features");
  }
  return { setup, networkId: p.get("net") || null, share: p.get("share") || null, given };
}
