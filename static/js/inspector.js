// The inspector: hover tooltip (z, a, δ / w, ∂L/∂w) and, on click, the chain rule written
// in MathML with the API's numbers. It never computes a derivative: every value shown after
// "=" is a number the server returned.

import { fmt, numSpan, showNumber } from "./format.js";

const MATHML = "http://www.w3.org/1998/Math/MathML";

function m(tag, ...children) {
  const node = document.createElementNS(MATHML, tag);
  for (const c of children) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  return node;
}
const mi = (t) => m("mi", t);
const mo = (t) => m("mo", t);
const mtext = (t) => m("mtext", t);
const mn = (x) => showNumber(m("mn"), x);
/** A factor in a product: negative numbers get parentheses, as on paper. */
function mf(x) {
  const n = mn(x);
  return x < 0 ? m("mrow", mo("("), n, mo(")")) : n;
}
const sub = (base, s) => m("msub", typeof base === "string" ? mi(base) : base, typeof s === "string" ? mi(s) : s);
const frac = (a, b) => m("mfrac", a, b);
const d = (num, den) => frac(m("mrow", mi("∂"), num), m("mrow", mi("∂"), den));
const row = (...c) => m("mrow", ...c);
const paren = (x) => row(mo("("), x, mo(")"));
const dot = () => mo("·");

const NEWLINE = Object.freeze({ newline: true });

/** a₀·b₀ + a₁·b₁ + … for the first `shown` of `count` products, two to a line; factors(k) = [a, b]. */
function products(count, shown, factors) {
  const terms = [];
  for (let k = 0; k < shown; k++) {
    if (k) terms.push(...(k % 2 ? [] : [NEWLINE]), mo("+"));
    const [a, b] = factors(k);
    terms.push(a, dot(), b);
  }
  if (count > shown) terms.push(mo("+"), mi("…"));
  return terms;
}

/** One <math> line per run of children between NEWLINE markers: MathML Core has no line breaking. */
function math(...children) {
  const lines = [[]];
  for (const c of children) {
    if (c === NEWLINE || c?.newline) lines.push([]);
    else lines[lines.length - 1].push(c);
  }
  const nodes = lines.map((line, k) => {
    const node = document.createElementNS(MATHML, "math");
    node.setAttribute("display", "block");
    const lead = line[0];
    if (k > 0 && lead?.localName === "mo") {
      // A continuation line starts with "=" or "+": keep the binary-operator spacing.
      lead.setAttribute("form", "infix");
      if (lead.textContent !== "=") node.classList.add("cont");
    }
    node.appendChild(row(...line));
    return node;
  });
  return nodes.length === 1 ? nodes[0] : nodes;
}

function eqBlock(label, mathNode, key) {
  const wrap = document.createElement("div");
  const p = document.createElement("p");
  p.className = "eq-label";
  p.textContent = label;
  const box = document.createElement("div");
  box.className = "eq";
  if (key) box.dataset.eq = key;
  for (const node of [mathNode].flat()) box.appendChild(node);
  wrap.append(p, box);
  return wrap;
}

function facts(pairs) {
  const dl = document.createElement("dl");
  dl.className = "facts";
  for (const [k, v, key] of pairs) {
    if (v === undefined) continue;
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    if (key) dd.dataset.fact = key;
    dd.appendChild(typeof v === "number" || v === null ? numSpan(v) : document.createTextNode(String(v)));
    dl.append(dt, dd);
  }
  return dl;
}

function para(text, cls = "hint") {
  const p = document.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}

const layerOf = (phaseTrace, l) => phaseTrace?.layers.find((ly) => ly.index === l);

/** Names for neuron j of layer l (1-based in the text, like the textbooks). */
const neuronName = (l, L, j) => (l === 0 ? `input ${j + 1}` : l === L ? `output neuron ${j + 1}` : `neuron ${j + 1} of hidden layer ${l}`);

export function createInspector({ body, tooltip }) {
  function tooltipFor(target, ctx) {
    const { network, trace } = ctx;
    const L = network.layers.length - 1;
    const lines = [];
    const f = trace?.forward;
    const bk = trace?.backward;
    if (target.kind === "neuron") {
      const { layer: l, j } = target;
      lines.push([neuronName(l, L, j), null]);
      if (l === 0) {
        if (f) lines.push(["x", f.inputs[0][j]]);
      } else {
        const fl = layerOf(f, l);
        if (fl) lines.push(["z", fl.z[0][j]], ["a", fl.a[0][j]]);
        const bl = layerOf(bk, l);
        if (bl) lines.push(["∂L/∂z (δ)", bl.dL_dz[0][j]]);
      }
    } else if (target.kind === "edge") {
      const { layer: l, j, i } = target;
      lines.push([`w from ${l === 1 ? "input" : "neuron"} ${i + 1} to ${l === L ? "output" : "neuron"} ${j + 1} (layer ${l})`, null]);
      lines.push(["w", network.parameters.weights[l - 1][j][i]]);
      const bl = layerOf(bk, l);
      if (bl && !trace.update) lines.push(["∂L/∂w", bl.dL_dW[j][i]]);
      const ul = layerOf(trace?.update, l);
      if (ul) lines.push(["∂L/∂w", ul.dL_dW[j][i]], ["w before update", ul.W_old[j][i]]);
    } else if (target.kind === "bias") {
      const { layer: l, j } = target;
      lines.push([`bias of ${neuronName(l, L, j)}`, null]);
      lines.push(["b", network.parameters.biases[l - 1][j]]);
      const bl = layerOf(bk, l);
      if (bl) lines.push(["∂L/∂b", bl.dL_db[j]]);
    }
    tooltip.replaceChildren();
    for (const [k, v] of lines) {
      const div = document.createElement("div");
      if (v === null) {
        div.textContent = k;
        div.style.fontWeight = "600";
      } else {
        const span = document.createElement("span");
        span.className = "k";
        span.textContent = `${k} = `;
        div.append(span, document.createTextNode(fmt(v)));
      }
      tooltip.appendChild(div);
    }
  }

  function showTooltip(target, evt, ctx) {
    if (!ctx.network) return;
    tooltipFor(target, ctx);
    tooltip.hidden = false;
    const x = Math.min(window.innerWidth - 290, evt.clientX + 14);
    const y = Math.min(window.innerHeight - 120, evt.clientY + 14);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }
  const hideTooltip = () => {
    tooltip.hidden = true;
  };

  // ---- click: the chain rule ---------------------------------------------------------------

  /** Equation rows for δ_j of layer l (sample row 0): output or hidden form. */
  function deltaEquation(l, j, ctx) {
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
    const terms = products(K, Math.min(K, 4), (k) => [mn(next.W[k][j]), mf(nextB.dL_dz[0][k])]);
    return eqBlock(
      `Hidden layer: δ = f′(z) · Σₖ wₖⱼ δₖ, the gradient arriving from the ${K} neuron${K > 1 ? "s" : ""} of layer ${l + 1}`,
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

  function regTerm(network, w) {
    const reg = network.regularization;
    if (!reg || reg.kind === "none") return null;
    return reg.kind === "l2"
      ? row(mo("+"), mi("λ"), dot(), mi("w"), mtext(` (λ = ${fmt(reg.rate)}, w = ${fmt(w)})`))
      : row(mo("+"), mi("λ"), dot(), row(mi("sign"), paren(mi("w"))), mtext(` (λ = ${fmt(reg.rate)})`));
  }

  function updateEquation(kind, old, grad, step, next, upd, lr) {
    const v = kind === "w" ? "w" : "b";
    if (upd.optimizer === "sgd") {
      return eqBlock(
        `Update (SGD, η = ${fmt(lr)}): move against the gradient`,
        math(
          sub(v, "new"), mo("="), sub(v, "old"), mo("−"), mi("η"), dot(), d(mi("L"), mi(v)),
          mo("="), mn(old), mo("−"), mn(lr), dot(), mf(grad), mo("="), mn(next),
        ),
        "update",
      );
    }
    return eqBlock(
      `Update (${upd.optimizer}, η = ${fmt(lr)}): the optimizer's step uses ∂L/∂${v} = ${fmt(grad)} and its running averages`,
      math(sub(v, "new"), mo("="), sub(v, "old"), mo("−"), mi("step"), mo("="), mn(old), mo("−"), mf(step), mo("="), mn(next)),
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
      `Weight w${j + 1}${i + 1} of layer ${l}: from ${l === 1 ? "input" : "neuron"} ${i + 1} to ${l === L ? "output neuron" : "neuron"} ${j + 1}`,
      "title",
    );
    out.push(title);
    const upd = layerOf(trace?.update, l);
    out.push(
      facts([
        ["w (now)", network.parameters.weights[l - 1][j][i], "w"],
        ["∂L/∂w", layerOf(trace?.backward, l)?.dL_dW[j][i] ?? upd?.dL_dW[j][i], "dL_dW"],
        ["w before update", upd ? upd.W_old[j][i] : undefined, "W_old"],
      ]),
    );
    const bl = layerOf(trace?.backward, l);
    if (!bl) {
      out.push(para(trace?.forward ? "Run Loss and Backward to see this weight's gradient." : "Run Forward, Loss and Backward to see this weight's gradient."));
      return out;
    }
    const fPrev = l === 1 ? trace.forward.inputs[0][i] : layerOf(trace.forward, l - 1).a[0][i];
    const aPrev = l === 1 ? sub("x", String(i + 1)) : sub("a", String(i + 1));
    out.push(deltaEquation(l, j, ctx));
    const reg = regTerm(network, upd ? upd.W_old[j][i] : network.parameters.weights[l - 1][j][i]);
    const chain = [];
    const B = trace.forward.batch_size ?? trace.forward.inputs.length;
    if (B > 1) {
      // A batch: the gradient is a sum over its samples (the first few shown, from the trace).
      const prevRows = l === 1 ? trace.forward.inputs : layerOf(trace.forward, l - 1).a;
      const terms = products(B, Math.min(2, bl.dL_dz.length), (s) => [mf(bl.dL_dz[s][j]), mf(prevRows[s][i])]);
      chain.push(
        d(mi("L"), mi("w")), mo("="), row(m("munder", mo("∑"), mi("s")), m("msubsup", mi("δ"), mi(String(j + 1)), paren(mi("s"))), dot(),
          m("msup", aPrev, paren(mi("s")))),
      );
      chain.push(NEWLINE, mo("="), ...terms);
    } else if (l === L && bl.da_dz !== null) {
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
    if (upd) {
      out.push(updateEquation("w", upd.W_old[j][i], upd.dL_dW[j][i], upd.step_W[j][i], upd.W_new[j][i], trace.update, trace.update.learning_rate));
    } else {
      const opt = network.optimizer?.name ?? "sgd";
      out.push(
        para(
          opt === "sgd"
            ? `Next, Update applies w_new = w_old − η·∂L/∂w with η = ${fmt(network.learning_rate)}.`
            : `Next, Update applies the ${opt} step (η = ${fmt(network.learning_rate)}), built from ∂L/∂w and the optimizer's running averages.`,
        ),
      );
    }
    return out;
  }

  function renderNeuron(target, ctx) {
    const { network, trace } = ctx;
    const { layer: l, j } = target;
    const L = network.layers.length - 1;
    const out = [para(neuronName(l, L, j).replace(/^./, (c) => c.toUpperCase()), "title")];
    const f = trace?.forward;
    if (l === 0) {
      out.push(facts([["x (this sample)", f ? f.inputs[0][j] : undefined, "x"]]));
      out.push(para("Inputs have no z or bias: they are the numbers of the sample."));
      return out;
    }
    const fl = layerOf(f, l);
    const bl = layerOf(trace?.backward, l);
    out.push(
      facts([
        ["activation", network.activations[l - 1]],
        ["b (now)", network.parameters.biases[l - 1][j], "b"],
        ["z", fl?.z[0][j], "z"],
        ["a = f(z)", fl?.a[0][j], "a"],
        ["∂L/∂a", bl?.dL_da[0][j], "dL_da"],
        ["f′(z)", bl && bl.da_dz ? bl.da_dz[0][j] : undefined, "da_dz"],
        ["δ = ∂L/∂z", bl?.dL_dz[0][j], "dL_dz"],
      ]),
    );
    if (!fl) {
      out.push(para("Run Forward to see this neuron's z and a."));
      return out;
    }
    const prev = l === 1 ? f.inputs[0] : layerOf(f, l - 1).a[0];
    const terms = products(prev.length, Math.min(prev.length, 4), (i) => [mn(fl.W[j][i]), mf(prev[i])]);
    out.push(
      eqBlock(
        "Forward: weighted sum of the previous layer plus the bias, then the activation",
        math(
          sub("z", String(j + 1)), mo("="), row(m("munder", mo("∑"), mi("i")), sub("w", row(mi(String(j + 1)), mi("i"))), sub("a", "i")), mo("+"), sub("b", String(j + 1)),
          NEWLINE, mo("="), ...terms, mo("+"), mn(fl.b[j]), mo("="), mn(fl.z[0][j]),
        ),
        "z",
      ),
      eqBlock(
        `a = ${fl.activation}(z)`,
        math(sub("a", String(j + 1)), mo("="), row(mi("f"), paren(mn(fl.z[0][j]))), mo("="), mn(fl.a[0][j])),
        "a",
      ),
    );
    if (bl) out.push(deltaEquation(l, j, ctx));
    else out.push(para("Run Loss and Backward to see δ = ∂L/∂z for this neuron."));
    return out;
  }

  function renderBias(target, ctx) {
    const { network, trace } = ctx;
    const { layer: l, j } = target;
    const L = network.layers.length - 1;
    const out = [para(`Bias of ${neuronName(l, L, j)}`, "title")];
    const bl = layerOf(trace?.backward, l);
    const upd = layerOf(trace?.update, l);
    out.push(
      facts([
        ["b (now)", network.parameters.biases[l - 1][j], "b"],
        ["∂L/∂b", bl?.dL_db[j] ?? upd?.dL_db[j], "dL_db"],
      ]),
    );
    if (bl) {
      out.push(deltaEquation(l, j, ctx));
      out.push(
        eqBlock(
          "A bias multiplies a constant 1, so its gradient is δ (summed over the batch)",
          math(d(mi("L"), sub("b", String(j + 1))), mo("="), sub("δ", String(j + 1)), dot(), m("mn", "1"), mo("="), mn(bl.dL_db[j])),
          "dL_db",
        ),
      );
    }
    if (upd) out.push(updateEquation("b", upd.b_old[j], upd.dL_db[j], upd.step_b[j], upd.b_new[j], trace.update, trace.update.learning_rate));
    return out;
  }

  function render(target, ctx) {
    body.replaceChildren();
    if (!target || !ctx.network) {
      body.appendChild(para("Click a neuron, an edge (weight) or a bias square to see the chain rule with the actual numbers."));
      return;
    }
    const trace = ctx.trace || {};
    const c = { ...ctx, trace };
    const parts =
      target.kind === "edge" ? renderEdge(target, c) : target.kind === "bias" ? renderBias(target, c) : renderNeuron(target, c);
    body.append(...parts);
    body.dataset.target = `${target.kind}:${target.layer}:${target.j}${target.i === undefined ? "" : `:${target.i}`}`;
  }

  return { showTooltip, hideTooltip, render };
}
