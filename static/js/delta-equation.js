// δ = ∂L/∂z of one neuron for the inspector, written by the rule the server used: the paired
// output forms (softmax with cross-entropy, sigmoid with binary cross-entropy) straight from
// the loss, the softmax's Jacobian, the chain ∂L/∂a · f′(z) at the output, or f′(z) · Σ w·δ in a
// hidden layer. Every number after "=" is the API's.

import { layerName } from "./names.js";
import { NEWLINE, d, dot, eqBlock, frac, m, math, mf, mi, mn, mo, paren, products, row, sub } from "./mathml.js";

const layerOf = (phaseTrace, l) => phaseTrace?.layers.find((ly) => ly.index === l);

/** Equation rows for δ_j of layer l (sample row 0): output or hidden form. */
export function deltaEquation(l, j, ctx, perLine) {
  const { network, trace } = ctx;
  const L = network.layers.length - 1;
  const bl = layerOf(trace.backward, l);
  const fl = layerOf(trace.forward, l);
  const act = fl.activation;
  const delta = sub("δ", String(j + 1));
  if (l === L) {
    if ((bl.da_dz === null || act === "softmax") && network.loss === "cross_entropy" && trace.loss) {
      // Softmax with cross-entropy: the textbook shortcut δ = (ŷ − y)/B.
      const B = trace.forward.batch_size ?? trace.forward.inputs.length;
      const yhat = trace.loss.output[0][j];
      const y = trace.loss.targets[0][j];
      const diff = row(mn(yhat), mo("−"), mn(y));
      return eqBlock(
        `Output layer (softmax with cross-entropy): ∂L/∂z is simply ŷ − y${B > 1 ? `, divided by the batch size ${B}` : ""}`,
        math(
          delta, mo("="), d(mi("L"), sub("z", String(j + 1))), mo("="),
          B > 1 ? frac(row(sub("ŷ", String(j + 1)), mo("−"), sub("y", String(j + 1))), mi("B")) : row(sub("ŷ", String(j + 1)), mo("−"), sub("y", String(j + 1))),
          mo("="), B > 1 ? frac(diff, m("mn", String(B))) : diff, mo("="), mn(bl.dL_dz[0][j]),
        ),
        "delta",
      );
    }
    if (bl.dL_dz_rule === "paired_sigmoid_bce" && trace.loss) {
      // Sigmoid with binary cross-entropy: f′(z) = ŷ(1 − ŷ) cancels the loss's denominator, so
      // δ = (ŷ − y)/(K·B), exact where ŷ has rounded to 0 or 1 and the two factors are 0 and ∞.
      const B = trace.forward.batch_size ?? trace.forward.inputs.length;
      const K = trace.loss.output[0].length;
      const diff = row(mn(trace.loss.output[0][j]), mo("−"), mf(trace.loss.targets[0][j]));
      const symbols = row(sub("ŷ", String(j + 1)), mo("−"), sub("y", String(j + 1)));
      const int = (n) => m("mn", String(n));
      return eqBlock(
        "Output layer (sigmoid with binary cross-entropy): f′(z) = ŷ(1 − ŷ) cancels the denominator of ∂L/∂ŷ, " +
          `so ∂L/∂z is simply ŷ − y${K * B > 1 ? `, divided by K·B = ${K}·${B}` : ""}`,
        math(
          delta, mo("="), d(mi("L"), sub("z", String(j + 1))), mo("="),
          K * B > 1 ? frac(symbols, row(mi("K"), mo("·"), mi("B"))) : symbols,
          mo("="), K * B > 1 ? frac(diff, row(int(K), mo("·"), int(B))) : diff, mo("="), mn(bl.dL_dz[0][j]),
        ),
        "delta",
      );
    }
    if (act === "softmax" && bl.dL_dz_rule === "softmax_jacobian" && trace.loss) {
      // Each z moves every output: ∂L/∂a goes through the softmax's Jacobian, written with the
      // server's ŷ and ∂L/∂a; the result after the last "=" is the server's δ.
      const yhat = trace.loss.output[0];
      const K = yhat.length;
      const g = bl.dL_da[0];
      const terms = products(K, Math.min(K, 4), (k) => [yhat[k], g[k]], perLine);
      const aj = sub("a", String(j + 1));
      return eqBlock(
        `Output layer (softmax with ${network.loss}): each z moves every output, so ∂L/∂a goes through the softmax's Jacobian`,
        math(
          delta, mo("="), sub("ŷ", String(j + 1)), dot(),
          paren(row(d(mi("L"), aj), mo("−"), m("munder", mo("∑"), mi("k")), sub("ŷ", "k"), d(mi("L"), sub("a", "k")))),
          NEWLINE, mo("="), mn(yhat[j]), dot(), mo("("), mf(g[j]), mo("−"), mo("("), ...terms, mo(")"), mo(")"),
          NEWLINE, mo("="), mn(bl.dL_dz[0][j]),
        ),
        "delta",
      );
    }
    if (bl.da_dz === null || act === "softmax") {
      return eqBlock(
        `Output layer (${act} with ${network.loss}): the API gives ∂L/∂z directly`,
        math(delta, mo("="), d(mi("L"), sub("z", String(j + 1))), mo("="), mn(bl.dL_dz[0][j])),
        "delta",
      );
    }
    return eqBlock(
      `Output layer: δ = ∂L/∂a · f′(z), with f = ${act}`,
      math(
        delta, mo("="), d(mi("L"), sub("a", String(j + 1))), dot(), row(mi("f′"), paren(sub("z", String(j + 1)))),
        mo("="), mn(bl.dL_da[0][j]), dot(), mf(bl.da_dz[0][j]), mo("="), mn(bl.dL_dz[0][j]),
      ),
      "delta",
    );
  }
  // Hidden: δ_j = f′(z_j) · Σ_k w_kj δ_k, the sum being the API's dL_da.
  const next = layerOf(trace.forward, l + 1);
  const nextB = layerOf(trace.backward, l + 1);
  const K = next.W.length;
  const terms = products(K, Math.min(K, 4), (k) => [next.W[k][j], nextB.dL_dz[0][k]], perLine);
  return eqBlock(
    `Hidden layer: δ = f′(z) · Σₖ wₖⱼ δₖ, the gradient arriving from the ${K} neuron${K > 1 ? "s" : ""} of ${layerName(l + 1, L)}`,
    [
      math(
        delta, mo("="), row(mi("f′"), paren(sub("z", String(j + 1)))), dot(),
        row(m("munder", mo("∑"), mi("k")), sub("w", row(mi("k"), mi(String(j + 1)))), sub("δ", "k")),
        NEWLINE, mo("="), mn(bl.da_dz[0][j]), dot(), mo("("), ...terms, mo(")"),
        NEWLINE, mo("="), mn(bl.da_dz[0][j]), dot(), mf(bl.dL_da[0][j]), mo("="), mn(bl.dL_dz[0][j]),
      ),
    ].flat(),
    "delta",
  );
}
