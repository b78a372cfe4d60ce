// The output neuron's ∂L/∂ŷ written from the loss it comes from, for the inspector: the
// catalog's formula for L_s, the derivative with the batch mean's 1/B, the numbers put in, and
// the API's value after "=". It writes the formula; the result is the server's dL_da.

import { NEWLINE, eqBlock, frac, gap, m, math, mf, mi, mn, mo, mtext, paren, row, sub } from "./mathml.js";
import { fmt } from "./format.js";
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

/** Whether e^|z| is past float64's range, where the server caps it at float64's largest number. */
const cappedExponent = (z) => z !== undefined && Math.abs(z) >= Math.log(Number.MAX_VALUE);

/**
 * Binary cross-entropy once ŷ has rounded to exactly 0 or 1, where ŷ(1 − ŷ) is 0: with a sigmoid
 * output the server writes ∂L/∂ŷ from the logit z, 1/ŷ = 1 + e^(−z) and 1/(1 − ŷ) = 1 + e^z (past
 * float64's range it reports the largest float64); otherwise it clips ŷ to [10⁻¹², 1 − 10⁻¹²].
 */
function roundedBce({ yhat, y, K, B, j }, z, value) {
  const e = (x) => m("msup", mi("e"), x);
  const kb = (a, b) => row(a, mo("·"), b);
  if (z === undefined) {
    return [mtext(`ŷ has rounded to ${yhat}: the server clips it to ${yhat === 1 ? "1 − 10⁻¹²" : "10⁻¹²"}, so `), mo("="), mn(value)];
  }
  // (1 − y)(1 + e^z) − y(1 + e^−z), with fresh nodes for each place (a node sits in one place).
  const form = (Y, Z, negZ) => row(paren(minus(int(1), Y())), paren(row(int(1), mo("+"), e(Z()))), mo("−"), Y(), paren(row(int(1), mo("+"), e(negZ()))));
  const capped = cappedExponent(z);
  return [
    frac(form(() => sub("y", String(j + 1)), () => sub("z", String(j + 1)), () => row(mo("−"), sub("z", String(j + 1)))), kb(mi("K"), mi("B"))),
    mo("="), frac(form(() => mf(y), () => mn(z), () => mn(-z)), kb(int(K), int(B))), mo("="), mn(value),
    ...(capped ? [gap(), mtext("(capped)")] : []),
  ];
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
  const label = (why = "") =>
    `∂L/∂ŷ from the loss (${name}${info ? `: ${info.formula}` : ""}). The batch loss L is the mean of L_s over ` +
    `B = ${B} sample${B > 1 ? "s" : ""}, with K = ${K} output${K > 1 ? "s" : ""}${scaled}${why}; sample 1:`;
  const dLdy = frac(row(mi("∂"), mi("L")), row(mi("∂"), sub("ŷ", String(j + 1))));
  if (network.loss === "bce" && ctx.yhat * (1 - ctx.yhat) === 0) {
    // ŷ(1 − ŷ) is 0: the written fraction would divide by it; say how the server got its number.
    const out = f?.layers.find((ly) => ly.index === network.layers.length - 1);
    const z = out?.activation === "sigmoid" ? out.z[0][j] : undefined;
    const capped = cappedExponent(z) ? `, and e^${z < 0 ? "−z" : "z"} = e^${fmt(Math.abs(z))} is past float64's range: it is capped at float64's largest number` : "";
    const why = z === undefined ? "" : `. ŷ has rounded to ${ctx.yhat}, so the server writes 1/ŷ as 1 + e^(−z) and 1/(1 − ŷ) as 1 + e^z${capped}`;
    return eqBlock(label(why), math(dLdy, mo("="), both[0], NEWLINE, mo("="), ...roundedBce(ctx, z, l.dL_da[0][j])), "dL_dyhat");
  }
  return eqBlock(label(), math(dLdy, mo("="), both[0], mo("="), both[1], mo("="), mn(l.dL_da[0][j])), "dL_dyhat");
}
