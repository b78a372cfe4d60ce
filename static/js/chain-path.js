// The selected weight's chain rule drawn on the network: its path to the loss highlighted, each
// factor written where it lives (a at the neuron it leaves, f′(z) at the neuron it enters, the
// weights and δ further on, ∂L/∂ŷ at the output), and their product in a line under the drawing.
// Every number is the API's (one sample row): nothing here computes a derivative.

import { fmt } from "./format.js";
import { biasName, subscript, weightName } from "./names.js";
import { phasesToRun } from "./moments.js";
import { el, lerp } from "./svg.js";
import { textWidth } from "./network-layout.js";
import { isFrozen } from "./trainable.js";

const SIZE = 11; // px, the tags' font size
const layerOf = (phase, l) => phase?.layers.find((ly) => ly.index === l);
const overlaps = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

/**
 * The factors of ∂L/∂w for weight (l, j, i), sample `row`, outermost first: [{symbol, value,
 * at}] where `at` says where on the drawing it lives ({neuron: [l, j]} or {edge: [l, j, i]}).
 * The chain is written out link by link where the path to the output is unique (an output
 * weight, or single neurons all the way); otherwise the later links are summed in ∂L/∂a.
 */
const PRIME = { sigmoid: "σ′", tanh: "tanh′", relu: "ReLU′", leaky_relu: "lReLU′", linear: "lin′" };

/**
 * Whether the output's ∂L/∂a · f′(z) multiplies out to its δ (within rounding). Under the paired
 * sigmoid + binary cross-entropy rule the server takes δ = (ŷ − y)/(K·B) directly: once the
 * output saturates the two factors are 0 and a clamped ∞ while δ is an ordinary number, and the
 * chain then starts from δ itself.
 */
function productHolds(b, row, k) {
  if (b.dL_dz_rule !== "paired_sigmoid_bce") return true;
  const delta = b.dL_dz[row][k];
  return Math.abs(b.dL_da[row][k] * b.da_dz[row][k] - delta) <= 1e-9 * Math.abs(delta);
}

export function chainFactors(trace, sizes, l, j, i, row = 0) {
  const L = sizes.length - 1;
  const f = trace.forward;
  const prime = (m) => `${PRIME[layerOf(f, m).activation] ?? "f′"}(z)`;
  const input = l === 1 ? f.inputs[row][i] : layerOf(f, l - 1).a[row][i];
  const factors = [];
  const unique = sizes.slice(l + 1).every((n) => n === 1);
  let k = j;
  for (let m = l; m <= L; m++) {
    const b = layerOf(trace.backward, m);
    if (m === L || !unique) {
      // The head of the chain: the loss's slope at this neuron's output (a sum when it fans out).
      if (b.da_dz === null || (m === L && !productHolds(b, row, k))) {
        factors.unshift({ symbol: m === L ? "∂L/∂z" : "δ", value: b.dL_dz[row][k], at: { neuron: [m, k] } });
      } else {
        const symbol = m === L ? (sizes[L] > 1 ? `∂L/∂ŷ${k + 1}` : "∂L/∂ŷ") : "Σ w·δ";
        factors.unshift({ symbol: prime(m), value: b.da_dz[row][k], at: { neuron: [m, k] } });
        factors.unshift({ symbol, value: b.dL_da[row][k], at: m === L ? { output: [m, k] } : { fanout: [m, k] } });
      }
      break;
    }
    factors.unshift({ symbol: prime(m), value: b.da_dz[row][k], at: { neuron: [m, k] } });
    factors.unshift({ symbol: weightName(sizes, m + 1, 0, k), value: layerOf(f, m + 1).W[0][k], at: { edge: [m + 1, 0, k] } });
    k = 0;
  }
  factors.push({ symbol: l === 1 ? `x${subscript(i + 1)}` : "a", value: input, at: { source: [l - 1, i] } });
  return factors;
}

/** The downstream edges the chain runs along from neuron (l, j): one path or the whole fan-out. */
function pathEdges(sizes, l, j) {
  const L = sizes.length - 1;
  const edges = [];
  if (sizes.slice(l + 1).every((n) => n === 1)) {
    for (let m = l + 1, k = j; m <= L; m++, k = 0) edges.push([m, 0, k]);
  } else if (l < L) {
    for (let k = 0; k < sizes[l + 1]; k++) edges.push([l + 1, k, j]);
  }
  return edges;
}

export function createChainPath(svg, state) {
  let placed = [];
  let borrowed = []; // [node, text] of the neuron detail lines the chain writes its f′(z) in

  /** Rectangles the tags must not cover: every visible text but the weight labels on the edges
   * (a tag takes precedence: a weight label under one is hidden, as when labels collide),
   * circles, bias squares, neuron maps. */
  function obstacles() {
    const boxes = [];
    for (const t of svg.querySelectorAll("text")) {
      if (t.closest(".chain, .edge-labels") || t.getAttribute("visibility") === "hidden" || !t.textContent) continue;
      const b = t.getBBox();
      if (b.width) boxes.push({ x1: b.x, y1: b.y, x2: b.x + b.width, y2: b.y + b.height });
    }
    const { r } = state.geo;
    state.geo.pos.forEach((layer) => layer.forEach((p) => boxes.push({ x1: p.x - r, x2: p.x + r, y1: p.y - r, y2: p.y + r })));
    for (const rect of svg.querySelectorAll(".bias rect:not(.bias-hit)")) {
      const b = rect.getBBox();
      boxes.push({ x1: b.x, y1: b.y, x2: b.x + b.width, y2: b.y + b.height });
    }
    return [...boxes, ...state.geo.mapBoxes];
  }

  /** A tag `text` at the first of `spots` ([x, y] of its centre) where it overlaps nothing. */
  function tag(text, spots, taken, cls = "") {
    const w = textWidth(text, SIZE) + 4;
    const vb = svg.viewBox.baseVal;
    for (const [x, y] of spots) {
      const box = { x1: x - w / 2, x2: x + w / 2, y1: y - 9, y2: y + 4 };
      if (box.x1 < 0 || box.x2 > vb.width || box.y1 < 0 || box.y2 > vb.height) continue;
      if (taken.some((b) => overlaps(b, box))) continue;
      const t = el("text", { x: x.toFixed(1), y: y.toFixed(1), "text-anchor": "middle", "font-size": SIZE, class: `chain-factor halo ${cls}` }, state.geo.gChain);
      t.textContent = text;
      taken.push(box);
      placed.push(t);
      return t;
    }
    return null;
  }

  /** Write `text` in neuron (l, j)'s detail line (under its circle) if it has one; else a tag. */
  function atNeuron(l, j, text, taken, cls = "") {
    const n = state.geo.neurons[l]?.[j];
    if (n?.detail) {
      borrowed.push([n.detail, n.detail.textContent, n.detail.style.fill, text]);
      n.detail.textContent = text;
      n.detail.style.fill = "";
      n.detail.classList.add("chain-factor");
      placed.push(n.detail);
      const b = n.detail.getBBox();
      taken.push({ x1: b.x - 2, y1: b.y, x2: b.x + b.width + 2, y2: b.y + b.height });
      return n.detail;
    }
    return tag(text, around(state.geo.pos[l][j], state.geo.r), taken, cls);
  }

  const around = (p, r) => [
    [p.x, p.y - r - 8],
    [p.x, p.y + r + 16],
    [p.x + r + 4 + 30, p.y - r + 2],
    [p.x - r - 4 - 30, p.y - r + 2],
    [p.x + r + 34, p.y + r + 8],
    [p.x - r - 34, p.y + r + 8],
  ];
  const along = (c) =>
    [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8].flatMap((t) => {
      const [x, y] = [lerp(c.x1, c.x2, t), lerp(c.y1, c.y2, t)];
      return [[x, y - 6], [x, y + 14], [x, y - 16], [x, y + 24]];
    });

  function clear() {
    for (const [node, text, fill, written] of borrowed) {
      node.classList.remove("chain-factor");
      if (node.textContent !== written) continue; // repainted since: keep what is there now
      node.textContent = text;
      node.style.fill = fill;
    }
    borrowed = [];
    state.geo?.gChain?.replaceChildren();
    for (const n of svg.querySelectorAll(".edge-label.under-chain")) {
      n.classList.remove("under-chain");
      n.removeAttribute("display");
    }
    placed = [];
  }

  /** Hide the weight labels a tag covers (their edges' tooltips still give the numbers). */
  function yieldLabels() {
    const boxes = placed.map((t) => {
      const b = t.getBBox();
      return { x1: b.x, y1: b.y, x2: b.x + b.width, y2: b.y + b.height };
    });
    for (const label of svg.querySelectorAll(".edge-labels .edge-label")) {
      if (label.getAttribute("display") === "none" || label.getAttribute("visibility") === "hidden") continue;
      const b = label.getBBox();
      const box = { x1: b.x, y1: b.y, x2: b.x + b.width, y2: b.y + b.height };
      if (boxes.some((t) => overlaps(t, box))) {
        label.classList.add("under-chain");
        label.setAttribute("display", "none");
      }
    }
  }

  /**
   * Draw the chain of `selection` (an edge or a bias) for `trace`; returns the product line's
   * parts ({text} and {number}), or null when nothing is selected that has one.
   */
  /** `tour`: a lesson's tour is open and its steps run the phases (tour/lock.js locks the buttons). */
  function show(selection, trace, network, tour = false) {
    const parts = draw(selection, trace, network, tour);
    yieldLabels();
    return parts;
  }

  function draw(selection, trace, network, tour) {
    clear();
    const geo = state.geo;
    if (!geo || !selection || !network || (selection.kind !== "edge" && selection.kind !== "bias")) return null;
    const sizes = geo.sizes;
    const { layer: l, j } = selection;
    const i = selection.i;
    const isEdge = selection.kind === "edge";
    if (!geo.shown[l].includes(j) || (isEdge && !geo.shown[l - 1].includes(i))) return null; // folded away
    const name = isEdge ? weightName(sizes, l, j, i) : biasName(sizes, l, j);
    const value = isEdge ? network.parameters.weights[l - 1][j][i] : network.parameters.biases[l - 1][j];
    const upd = layerOf(trace?.update, l);
    const back = layerOf(trace?.backward, l);
    const where = isEdge ? geo.edges[l - 1][j][i] : null;
    if (where?.label) {
      where.label.classList.add("under-chain"); // the tag below says the same and more
      where.label.setAttribute("display", "none");
    }
    const taken = obstacles();
    const p = geo.pos[l][j];
    // On the edge where there is room, else beside its ends, else along the drawing's foot.
    const vb = svg.viewBox.baseVal;
    const foot = [0.5, 0.3, 0.7, 0.15, 0.85].map((t) => [vb.width * t, vb.height - 5]);
    const spotsOf = [
      ...(isEdge ? along(where.coords) : []), ...around(p, geo.r),
      ...(isEdge ? around(geo.pos[l - 1][i], geo.r) : []), ...foot,
    ];
    const old = upd ? (isEdge ? upd.W_old[j][i] : upd.b_old[j]) : null;
    const frozen = isFrozen(network, selection.kind, l);
    // The name, and after Update the move: "w₅: 0.4 → 0.3589" (a frozen one: "b₃ = 0.6, frozen").
    const headlines = upd && !frozen
      ? [`${name}: ${fmt(old)} → ${fmt(value)}`, `${name} → ${fmt(value)}`]
      : [`${name} = ${fmt(value)}${frozen ? ", frozen" : ""}`, name];
    const updateParts = (upd) => (frozen ? frozenParts(name, value, upd) : movedParts(name, old, value, upd));
    const headline = () => headlines.some((text) => tag(text, spotsOf, taken, "chain-name"));
    if (!back || !trace.forward) {
      headline();
      const then = tour
        ? `. Its chain rule along its path to the loss shows once the lesson's steps run ${phasesToRun(trace)}.`
        : `. Run ${phasesToRun(trace)} to see its chain rule along its path to the loss.`;
      return [{ text: `${name} = ` }, { number: value }, { text: then }];
    }
    const B = trace.forward.batch_size ?? trace.forward.inputs.length;
    const grad = isEdge ? back.dL_dW[j][i] : back.dL_db[j];
    if (!isEdge) {
      atNeuron(l, j, `δ = ${fmt(back.dL_dz[0][j])}`, taken);
      headline();
      return [
        { text: `∂L/∂${name} = δ · 1` }, ...(B > 1 ? [{ text: ` summed over the ${B} samples` }] : []), { text: " = " }, { number: grad },
        ...updateParts(trace.update),
      ];
    }
    for (const [m, k, s] of pathEdges(sizes, l, j)) {
      if (!geo.shown[m].includes(k) || !geo.shown[m - 1].includes(s)) continue;
      const c = geo.edges[m - 1][k][s].coords;
      el("line", { ...c, class: "chain-edge" }, geo.gChain);
    }
    el("line", { ...where.coords, class: "chain-edge selected-path" }, geo.gChain);
    const factors = chainFactors(trace, sizes, l, j, i);
    // Neuron lines first (their place is fixed), then the tags that can move along an edge.
    const order = (fct) => (fct.at.neuron || fct.at.source ? 0 : fct.at.output ? 1 : 2);
    for (const fct of [...factors].sort((a, b) => order(a) - order(b))) {
      const text = `${fct.symbol} = ${fmt(fct.value)}`;
      const at = fct.at;
      if (at.neuron || at.output || at.fanout) {
        const [m, k] = at.neuron ?? at.output ?? at.fanout;
        if (!geo.shown[m].includes(k)) continue;
        if (at.fanout) {
          // Σ w·δ: each next neuron's δ and the weight that carries it.
          const next = layerOf(trace.backward, m + 1);
          for (let q = 0; q < sizes[m + 1]; q++) {
            if (!geo.shown[m + 1].includes(q)) continue;
            atNeuron(m + 1, q, `δ = ${fmt(next.dL_dz[0][q])}`, taken);
            tag(`${weightName(sizes, m + 1, q, k)} = ${fmt(trace.forward.layers[m].W[q][k])}`, along(geo.edges[m][q][k].coords), taken);
          }
          continue;
        }
        if (at.output) {
          // Beside the output's ŷ, y and L: where the loss's slope starts the chain.
          const loss = geo.side.loss;
          const x = Number(loss.getAttribute("x"));
          const y = Number(loss.getAttribute("y"));
          const w = textWidth(text, SIZE) / 2 + 2;
          const cx = Math.min(x + w, svg.viewBox.baseVal.width - w - 1);
          tag(text, [[cx, y + 18], [cx, y + 32], [cx, y - 40], ...around(geo.pos[m][k], geo.r)], taken, "chain-head");
          continue;
        }
        atNeuron(m, k, text, taken);
      } else if (at.edge) {
        const [m, k, s] = at.edge;
        if (geo.shown[m].includes(k) && geo.shown[m - 1].includes(s)) tag(text, along(geo.edges[m - 1][k][s].coords), taken);
      } else if (at.source) {
        const [m, s] = at.source;
        // The input it multiplies: beside the neuron it leaves (an input has no detail line).
        if (m > 0) atNeuron(m, s, text, taken);
        else tag(text, around(geo.pos[m][s], geo.r), taken);
      }
    }
    headline();
    const product = factors.flatMap((fct, k) => [{ text: k ? " · " : "" }, ...(fct.value < 0 ? [{ text: "(" }, { number: fct.value }, { text: ")" }] : [{ number: fct.value }])]);
    const symbols = factors.map((fct) => fct.symbol).join(" · ");
    const reg = network.regularization?.kind !== "none";
    const head = [{ text: `Chain rule along ${name}'s path to the loss: ∂L/∂${name} = ${symbols}` }];
    if (B > 1 || reg) {
      return [
        ...head, { text: B > 1 ? " for sample 1: " : ": " }, ...product,
        { text: B > 1 ? `; summed over the ${B} samples${reg ? " with the penalty's share" : ""}, ∂L/∂${name} = ` : "; with the penalty's share, ∂L/∂w = " }, { number: grad },
        ...updateParts(trace.update),
      ];
    }
    return [...head, { text: " = " }, ...product, { text: " = " }, { number: grad }, ...updateParts(trace.update)];
  }

  /** After Update, a frozen parameter: no step. */
  function frozenParts(name, now, upd) {
    return upd ? [{ text: `. Update: frozen (not trainable): ${name} stays ` }, { number: now }, { text: "." }] : [];
  }

  /** After Update: the step the optimizer took. */
  function movedParts(name, old, now, upd) {
    if (!upd) return [];
    const rule = upd.optimizer === "sgd" ? `. Update: ${name} ← ${name} − η·∂L/∂${name} with η = ` : `. Update (${upd.optimizer}, η = `;
    return [{ text: rule }, { number: upd.learning_rate }, { text: upd.optimizer === "sgd" ? ": " : "): " }, { number: old }, { text: " → " }, { number: now }, { text: "." }];
  }

  return { show, clear, tags: () => placed };
}
