// The inspector: on click, the chain rule of a neuron, weight or bias written in MathML with
// the API's numbers. It never computes a derivative: every value shown after "=" is a number
// the server returned. (The hover tooltip is tooltip.js.)

import { fmt } from "./format.js";
import { biasName, edgeWords, layerName, neuronWords, subscript, weightName } from "./names.js";
import { batchWords, phasesToRun } from "./moments.js";
import { fmtUnits, forwardInputs, hasInputScale, hasUnits, unitValue } from "./units.js";
import { fittedPanel, productsPerLine, stackable } from "./equation-fit.js";
import { lossDerivative } from "./loss-derivative.js";
import { deltaEquation } from "./delta-equation.js";
import { isFrozen } from "./trainable.js";
import { NEWLINE, d, dot, eqBlock, facts, frac, gap, m, math, mf, mi, mn, mo, mtext, para, paren, products, row, sub } from "./mathml.js";

export const layerOf = (phaseTrace, l) => phaseTrace?.layers.find((ly) => ly.index === l);

/** The drawing's label of output j: "ŷ" alone, else "ŷ" and the target's name ("ŷ 3", "ŷ setosa"). */
export function outputLabel(network, j) {
  const L = network.layers.length - 1;
  return network.layers[L] > 1 ? `ŷ ${network.target_names?.[j] ?? `y${j + 1}`}` : "ŷ";
}

/** Names for neuron j of layer l (1-based in the text, like the textbooks); an output neuron
 * is named by its label on the drawing when `network` is given ("output neuron ŷ 3"). */
export const neuronName = (l, L, j, network) => neuronWords(l, L, j, network ? outputLabel(network, j) : String(j + 1));

/** A number field that sets a weight or bias from the inspector (Enter or leaving it applies).
 * It is disabled, and says why, during a timeline preview (a value set changes the network as
 * it is now, not the moment shown) and in a lesson's tour (its steps and text count on the
 * network's weights). */
function editor(label, value, onSet, { at, tour }) {
  const wrap = document.createElement("label");
  wrap.className = "edit-parameter";
  wrap.append(`${label} `);
  if (at || tour) {
    const input = Object.assign(document.createElement("input"), { type: "number", value: String(value), disabled: true });
    input.dataset.editParameter = "";
    input.setAttribute("aria-label", `${label} ${value}: ${at ? "previewed" : "the lesson's"}, cannot be set`);
    wrap.append(input);
    const kind = label.startsWith("set w") ? "weight" : "bias";
    const why = para(
      at
        ? `Previewing ${at}: press Back to now (Esc) to set this ${kind}.`
        : `The lesson's steps and text count on these weights: Leave tour to set this ${kind}.`,
    );
    why.dataset.editWhy = "";
    const box = document.createElement("div");
    box.append(wrap, why);
    return box;
  }
  const input = document.createElement("input");
  input.type = "number";
  input.step = "any";
  input.value = String(value);
  input.dataset.editParameter = "";
  input.setAttribute("aria-label", `New value of ${label}`);
  const apply = () => {
    if (input.value !== "" && Number(input.value) !== value) onSet(Number(input.value));
  };
  input.addEventListener("keydown", (evt) => evt.key === "Enter" && apply());
  input.addEventListener("change", apply);
  wrap.appendChild(input);
  return wrap;
}

/** "now", or during a timeline preview the moment shown: "at epoch 12, previewed". */
const nowWord = (ctx) => (ctx.at ? `at ${ctx.at}, previewed` : "now");

/** "∂L/∂w over sample #3, at w before the update": which data and which point a gradient is of. */
function gradientLabel(v, trace) {
  if (!trace?.backward && !trace?.update) return `∂L/∂${v}`;
  return `∂L/∂${v} over ${batchWords(trace.forward)}${trace.update ? `, at ${v} before the update` : ""}`;
}

export function createInspector({ body, onEditParameter }) {
  const perLine = () => productsPerLine(body);

  /** The penalty's share of ∂L/∂w, written with its numbers: + λ·w (L2) or + λ·sign(w) (L1). */
  function regTerm(network, w) {
    const reg = network.regularization;
    if (!reg || reg.kind === "none") return null;
    return reg.kind === "l2"
      ? row(mo("+"), mi("λ"), dot(), mi("w"), mo("="), mn(reg.rate), dot(), mf(w), gap(), mtext("(the L2 penalty)"))
      : row(mo("+"), mi("λ"), dot(), row(mi("sign"), paren(mi("w"))), mo("="), mn(reg.rate), dot(), mf(Math.sign(w)), gap(), mtext("(the L1 penalty)"));
  }

  /** The update of parameter `name` (kind "w" or "b"): the rule with its numbers, or, frozen,
   * that it stays (the server's new value is the old one). */
  function updateEquation(kind, name, frozen, old, grad, step, next, upd, lr) {
    const v = kind === "w" ? "w" : "b";
    if (frozen) {
      const kinds = kind === "w" ? "weights" : "biases";
      return eqBlock(
        `Update: this layer's ${kinds} are frozen (not trainable), so there is no step: ${name} stays ${fmt(next)}`,
        math(sub(v, "new"), mo("="), sub(v, "old"), mo("="), mn(next)),
        "update",
      );
    }
    if (upd.optimizer === "sgd") {
      return eqBlock(
        `Update (SGD, η = ${fmt(lr)}): move against the gradient`,
        math(
          sub(v, "new"), mo("="), sub(v, "old"), mo("−"), mi("η"), dot(), d(mi("L"), mi(v)),
          NEWLINE, mo("="), mn(old), mo("−"), mn(lr), dot(), mf(grad), mo("="), mn(next),
        ),
        "update",
      );
    }
    return eqBlock(
      `Update (${upd.optimizer}, η = ${fmt(lr)}): the optimizer's step uses ∂L/∂${v} = ${fmt(grad)} and its running averages`,
      math(sub(v, "new"), mo("="), sub(v, "old"), mo("−"), mi("step"), NEWLINE, mo("="), mn(old), mo("−"), mf(step), mo("="), mn(next)),
      "update",
    );
  }

  function batchNote(trace) {
    const B = trace.forward?.batch_size ?? trace.forward?.inputs.length ?? 1;
    if (B <= 1) return null;
    return para(
      `The batch has ${B} samples: the δ equation shows sample 1, and each δ already carries the 1/${B} of the batch mean, so the batch gradient is a plain sum.`,
    );
  }

  function renderEdge(target, ctx) {
    const { network, trace } = ctx;
    const { layer: l, j, i } = target;
    const L = network.layers.length - 1;
    const out = [];
    const title = para(
      `Weight ${weightName(network.layers, l, j, i)} (w${subscript(j + 1)}${subscript(i + 1)} of ${layerName(l, L)}): ${edgeWords(l, L, j, i, outputLabel(network, j))}`,
      "title",
    );
    out.push(title, editor("set w =", network.parameters.weights[l - 1][j][i], (v) => onEditParameter(target, v), ctx));
    const upd = layerOf(trace?.update, l);
    out.push(
      facts([
        [`w (${nowWord(ctx)})`, network.parameters.weights[l - 1][j][i], "w"],
        [gradientLabel("w", trace), layerOf(trace?.backward, l)?.dL_dW[j][i] ?? upd?.dL_dW[j][i], "dL_dW"],
        ["w before update", upd ? upd.W_old[j][i] : undefined, "W_old"],
      ]),
    );
    const bl = layerOf(trace?.backward, l);
    if (!bl) {
      // While a lesson's tour is open its steps run the phases (tour/lock.js locks the buttons).
      out.push(para(ctx.tour ? `Its gradient shows here once the lesson's steps run ${phasesToRun(trace)}.` : `Run ${phasesToRun(trace)} to see this weight's gradient.`));
      return out;
    }
    const fPrev = l === 1 ? trace.forward.inputs[0][i] : layerOf(trace.forward, l - 1).a[0][i];
    const aPrev = l === 1 ? sub("x", String(i + 1)) : sub("a", String(i + 1));
    out.push(deltaEquation(l, j, ctx, perLine()));
    const reg = regTerm(network, upd ? upd.W_old[j][i] : network.parameters.weights[l - 1][j][i]);
    const chain = [];
    const B = trace.forward.batch_size ?? trace.forward.inputs.length;
    if (B > 1) {
      // A batch: the gradient is a sum over its samples, every one the trace carries.
      const prevRows = l === 1 ? trace.forward.inputs : layerOf(trace.forward, l - 1).a;
      const terms = products(B, bl.dL_dz.length, (s) => [bl.dL_dz[s][j], prevRows[s][i]], perLine());
      chain.push(
        d(mi("L"), mi("w")), mo("="), row(m("munder", mo("∑"), mi("s")), m("msubsup", mi("δ"), mi(String(j + 1)), paren(mi("s"))), dot(),
          m("msup", aPrev, paren(mi("s")))),
      );
      chain.push(NEWLINE, mo("="), ...terms);
    } else if (l === L && bl.da_dz !== null && bl.dL_dz_rule !== "paired_sigmoid_bce") {
      chain.push(
        d(mi("L"), mi("w")), mo("="), d(mi("L"), sub("a", String(j + 1))), dot(),
        row(mi("f′"), paren(sub("z", String(j + 1)))), dot(), aPrev,
        mo("="), mn(bl.dL_da[0][j]), dot(), mf(bl.da_dz[0][j]), dot(), mf(fPrev),
      );
    } else {
      chain.push(d(mi("L"), mi("w")), mo("="), sub("δ", String(j + 1)), dot(), aPrev, mo("="), mn(bl.dL_dz[0][j]), dot(), mf(fPrev));
    }
    if (reg) chain.push(NEWLINE, ...reg.childNodes);
    chain.push(...(reg || B > 1 ? [NEWLINE] : []), mo("="), mn(bl.dL_dW[j][i]));
    const label =
      B > 1
        ? `Chain rule over the batch: δ times the input it multiplies, summed over the ${B} samples`
        : l === L
          ? "Chain rule for an output-layer weight"
          : "Chain rule: the weight's gradient is δ times the input it multiplies";
    out.push(eqBlock(label, math(...chain), "dL_dW"));
    const note = batchNote(trace);
    if (note) out.push(note);
    const name = weightName(network.layers, l, j, i);
    const frozen = isFrozen(network, "w", l);
    if (upd) {
      out.push(updateEquation("w", name, frozen, upd.W_old[j][i], upd.dL_dW[j][i], upd.step_W[j][i], upd.W_new[j][i], trace.update, trace.update.learning_rate));
    } else {
      const opt = network.optimizer?.name ?? "sgd";
      out.push(
        para(
          frozen
            ? `Next, Update leaves ${name} as it is: this layer's weights are frozen (not trainable).`
            : opt === "sgd"
            ? `Next, Update applies w_new = w_old − η·∂L/∂w with η = ${fmt(network.learning_rate)}.`
            : `Next, Update applies the ${opt} step (η = ${fmt(network.learning_rate)}), built from ∂L/∂w and the optimizer's running averages.`,
        ),
      );
    }
    return out;
  }

  /** a = f(z); softmax depends on the whole layer, so it is written over every z of the layer. */
  function activationEquation(fl, j) {
    if (fl.activation !== "softmax") {
      return eqBlock(
        `a = ${fl.activation}(z)`,
        math(sub("a", String(j + 1)), mo("="), row(mi("f"), paren(mn(fl.z[0][j]))), mo("="), mn(fl.a[0][j])),
        "a",
      );
    }
    const zs = fl.z[0];
    const exp = (x) => m("msup", mi("e"), x);
    const sum = zs.flatMap((z, k) => (k ? [mo("+"), exp(mn(z))] : [exp(mn(z))]));
    return eqBlock(
      `Softmax: aⱼ depends on every z of the layer (${zs.length} neurons), not on zⱼ alone`,
      math(
        sub("a", String(j + 1)), mo("="),
        frac(exp(sub("z", String(j + 1))), row(m("munder", mo("∑"), mi("k")), exp(sub("z", "k")))),
        NEWLINE, mo("="), frac(exp(mn(zs[j])), stackable(...sum)), mo("="), mn(fl.a[0][j]),
      ),
      "a",
    );
  }

  function renderNeuron(target, ctx) {
    const { network, trace } = ctx;
    const { layer: l, j } = target;
    const L = network.layers.length - 1;
    const out = [para(neuronName(l, L, j, network).replace(/^./, (c) => c.toUpperCase()), "title")];
    const f = trace?.forward;
    if (l === 0) {
      if (hasInputScale(network)) {
        out.push(
          facts([
            ["x in the data's units", f ? fmtUnits(forwardInputs(f, network)[j]) : undefined, "x_units"],
            [`x (standardized: (x − ${fmtUnits(network.feature_mean[j])}) / ${fmtUnits(network.feature_std[j])})`, f ? f.inputs[0][j] : undefined, "x"],
          ]),
        );
        out.push(para("Inputs have no z or bias: the input layer passes on the sample's value, standardized with the data's mean and standard deviation."));
        return out;
      }
      out.push(facts([["x (this sample)", f ? f.inputs[0][j] : undefined, "x"]]));
      out.push(para("Inputs have no z or bias: they are the numbers of the sample."));
      return out;
    }
    const fl = layerOf(f, l);
    const bl = layerOf(trace?.backward, l);
    const updated = Boolean(trace?.update);
    out.push(
      facts([
        ["activation", network.activations[l - 1]],
        [updated ? `b (${nowWord(ctx)}, after the update)` : `b (${nowWord(ctx)})`, network.parameters.biases[l - 1][j], "b"],
        ["b (used by this forward pass)", updated && fl ? fl.b[j] : undefined, "b_forward"],
        ["z", fl?.z[0][j], "z"],
        ["a = f(z)", fl?.a[0][j], "a"],
        ["∂L/∂a", bl?.dL_da[0][j], "dL_da"],
        ["f′(z)", bl && bl.da_dz ? bl.da_dz[0][j] : undefined, "da_dz"],
        ["δ = ∂L/∂z", bl?.dL_dz[0][j], "dL_dz"],
      ]),
    );
    if (!fl) {
      out.push(para(ctx.tour ? "Its z and a show here once a step of the lesson runs Forward." : "Run Forward to see this neuron's z and a."));
      return out;
    }
    if (l === L && hasUnits(network)) out.push(unitsFacts(network, trace, fl, j));
    const prev = l === 1 ? f.inputs[0] : layerOf(f, l - 1).a[0];
    const terms = products(prev.length, Math.min(prev.length, 4), (i) => [fl.W[j][i], prev[i]], perLine());
    out.push(
      eqBlock(
        updated
          ? "Forward, as computed before the update (old weights and bias): weighted sum plus the bias, then the activation"
          : "Forward: weighted sum of the previous layer plus the bias, then the activation",
        math(
          sub("z", String(j + 1)), mo("="), row(m("munder", mo("∑"), mi("i")), sub("w", row(mi(String(j + 1)), mi("i"))), sub("a", "i")), mo("+"), sub("b", String(j + 1)),
          NEWLINE, mo("="), ...terms, mo("+"), mf(fl.b[j]), mo("="), mn(fl.z[0][j]),
        ),
        "z",
      ),
      activationEquation(fl, j),
    );
    const fromLoss = l === L ? lossDerivative(network, trace, j, ctx.catalog) : null;
    if (fromLoss) out.push(fromLoss);
    if (bl) out.push(deltaEquation(l, j, ctx, perLine()));
    else out.push(para(ctx.tour ? `δ = ∂L/∂z shows here once the lesson's steps run ${phasesToRun(trace)}.` : `Run ${phasesToRun(trace)} to see δ = ∂L/∂z for this neuron.`));
    return out;
  }

  /** Standardized targets: the output and its target back in the data's units (a·std + mean). */
  function unitsFacts(network, trace, fl, j) {
    const std = network.target_std[j];
    const mean = network.target_mean[j];
    const y = trace?.loss?.targets?.[0]?.[j];
    const dl = facts([
      [`ŷ in the data's units = a·${fmtUnits(std)} + ${fmtUnits(mean)}`, fmtUnits(unitValue(fl.a[0][j], j, network)), "yhat_units"],
      ["y in the data's units", y === undefined ? undefined : fmtUnits(unitValue(y, j, network)), "y_units"],
    ]);
    dl.title = "The targets were standardized: the network learns (y − mean)/std; these are its numbers scaled back.";
    return dl;
  }

  function renderBias(target, ctx) {
    const { network, trace } = ctx;
    const { layer: l, j } = target;
    const L = network.layers.length - 1;
    const name = biasName(network.layers, l, j);
    const out = [para(`Bias ${name} of ${neuronName(l, L, j, network)}`, "title"), editor("set b =", network.parameters.biases[l - 1][j], (v) => onEditParameter(target, v), ctx)];
    const bl = layerOf(trace?.backward, l);
    const upd = layerOf(trace?.update, l);
    out.push(
      facts([
        [`b (${nowWord(ctx)})`, network.parameters.biases[l - 1][j], "b"],
        [gradientLabel("b", trace), bl?.dL_db[j] ?? upd?.dL_db[j], "dL_db"],
      ]),
    );
    if (bl) {
      out.push(deltaEquation(l, j, ctx, perLine()));
      out.push(
        eqBlock(
          "A bias multiplies a constant 1, so its gradient is δ (summed over the batch)",
          math(d(mi("L"), sub("b", String(j + 1))), mo("="), sub("δ", String(j + 1)), dot(), m("mn", "1"), mo("="), mn(bl.dL_db[j])),
          "dL_db",
        ),
      );
    }
    const frozen = isFrozen(network, "b", l);
    if (upd) {
      out.push(updateEquation("b", name, frozen, upd.b_old[j], upd.dL_db[j], upd.step_b[j], upd.b_new[j], trace.update, trace.update.learning_rate));
    } else if (bl && frozen) out.push(para(`Next, Update leaves ${name} as it is: this layer's biases are frozen (not trainable).`));
    return out;
  }

  // The lines are fitted to the panel's width, and fitted again when that changes.
  const render = fittedPanel(body, (target, ctx) => {
    if (!target || !ctx.network) {
      if (body.dataset.empty === "true") return; // the hint is already there (Play renders often)
      body.replaceChildren(para("Click a neuron, an edge (weight) or a bias square to see the chain rule with the actual numbers."));
      body.dataset.empty = "true";
      return;
    }
    body.replaceChildren();
    body.dataset.empty = "false";
    const trace = ctx.trace || {};
    const c = { ...ctx, trace };
    const parts =
      target.kind === "edge" ? renderEdge(target, c) : target.kind === "bias" ? renderBias(target, c) : renderNeuron(target, c);
    body.append(...parts);
    body.dataset.target = `${target.kind}:${target.layer}:${target.j}${target.i === undefined ? "" : `:${target.i}`}`;
  });

  return { render };
}
