// The output neuron's ∂L/∂ŷ written from the loss it comes from, for the inspector: the
// catalog's formula for L_s, the derivative with the batch mean's 1/B, the numbers put in, and
// the API's value after "=". It writes the formula; the result is the server's dL_da.

import { eqBlock, frac, m, math, mf, mi, mn, mo, paren, row, sub } from "./mathml.js";
import { hasUnits } from "./units.js";

const int = (n) => m("mn", String(n));
const minus = (a, b) => row(a, mo("−"), b);

/** [symbolic, with numbers] for the loss's ∂L/∂ŷ_j; null for a loss this page cannot write. */
function sides(loss, { yhat, y, K, B, j }) {
  // Fresh nodes each time: a MathML node sits in one place only.
  const Y = () => sub("ŷ", String(j + 1));
  const T = () => sub("y", String(j + 1));
  const nY = () => mn(yhat);
  const nT = () => mf(y);
  const KB = (...extra) => row(mi("K"), mo("·"), mi("B"), ...extra);
  const kb = (...extra) => row(int(K), mo("·"), int(B), ...extra);
  switch (loss) {
    case "half_sse":
      return [frac(minus(Y(), T()), mi("B")), frac(minus(nY(), nT()), int(B))];
    case "mse":
      return [frac(row(int(2), paren(minus(Y(), T()))), KB()), frac(row(int(2), mo("·"), paren(minus(nY(), nT()))), kb())];
    case "bce":
      return [
        frac(minus(Y(), T()), KB(mo("·"), Y(), paren(minus(int(1), Y())))),
        frac(minus(nY(), nT()), kb(mo("·"), nY(), mo("·"), paren(minus(int(1), nY())))),
      ];
    case "cross_entropy":
      return [row(mo("−"), frac(T(), row(mi("B"), mo("·"), Y()))), row(mo("−"), frac(mn(y), row(int(B), mo("·"), nY())))];
    default:
      return null;
  }
}

/** The equation block for output neuron j after Loss, or null before it. */
export function lossDerivative(network, trace, j, catalog) {
  const l = trace?.loss;
  if (!l) return null;
  const f = trace.forward;
  const B = f?.batch_size ?? f?.inputs.length ?? 1;
  const K = l.output[0].length;
  const ctx = { yhat: l.output[0][j], y: l.targets[0][j], K, B, j };
  const both = sides(network.loss, ctx);
  if (!both) return null;
  const info = catalog?.losses?.find((x) => x.name === network.loss);
  const name = network.loss.replace(/_/g, " ");
  const scaled = hasUnits(network) ? "; ŷ and y as the network sees them, standardized" : "";
  const label =
    `∂L/∂ŷ from the loss (${name}${info ? `: ${info.formula}` : ""}). The batch loss L is the mean of L_s over ` +
    `B = ${B} sample${B > 1 ? "s" : ""}, with K = ${K} output${K > 1 ? "s" : ""}${scaled}; sample 1:`;
  const dLdy = frac(row(mi("∂"), mi("L")), row(mi("∂"), sub("ŷ", String(j + 1))));
  return eqBlock(label, math(dLdy, mo("="), both[0], mo("="), both[1], mo("="), mn(l.dL_da[0][j])), "dL_dyhat");
}
