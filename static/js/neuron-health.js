// Where the gradient dies: saturated sigmoid/tanh neurons and dead ReLUs, from every training sample.

/** f′(z) as a fraction of its largest value, from the activation a = f(z). */
const SLOPE = {
  sigmoid: (a) => (a * (1 - a)) / 0.25,
  tanh: (a) => 1 - a * a,
};
const TINY = 0.05; // f′ below 5% of its peak: the gradient through this neuron is cut twentyfold
const MOST = 0.5; // … on more than half of the samples

/**
 * Per hidden or output neuron (l = 1..L, j), "saturated", "dead" or null, from the layers of a
 * predict answer over the training inputs: `layers[k].a` has one row per sample.
 * A ReLU is dead when a = 0 (z ≤ 0) on every sample: no gradient passes it, ever.
 */
export function neuronHealth(layers, activations) {
  return layers.map((layer, k) => {
    const act = activations[k];
    const rows = layer.a;
    const n = rows[0]?.length ?? 0;
    return Array.from({ length: n }, (_, j) => {
      if (act === "relu") return rows.every((r) => r[j] <= 0) ? "dead" : null;
      const slope = SLOPE[act];
      if (!slope) return null;
      const tiny = rows.filter((r) => slope(r[j]) < TINY).length;
      return tiny > MOST * rows.length ? "saturated" : null;
    });
  });
}

export const HEALTH_TEXT = {
  saturated: "saturated: f′(z) is under 5% of its peak on most training samples, so little gradient passes",
  dead: "dead ReLU: z ≤ 0 on every training sample, so no gradient passes",
};
