// The loss landscape of the selected weight or bias: L(w) with every other
// parameter fixed, its tangent (slope = the server's ∂L/∂w), the step the next update takes
// and the lowest point along the line; with a second parameter, a contour plot with the path
// training took. Every number drawn or written is the server's (POST …/landscape).

import * as api from "./api.js";
import { fmt, numSpan } from "./format.js";
import { GRAD, GRID, INK } from "./palette.js";
import { el } from "./svg.js";
import { drawContour } from "./contour-view.js";
import { batchWords, shortMoment } from "./moments.js";
import { isFrozen } from "./trainable.js";
import {
  LOWEST, MAX_RADIUS, STEP, argmin, isParameter, legendItem, niceTicks, parameterKey, parameterName, refOf, samples,
  symbolOf, targetOfKey,
} from "./landscape-common.js";

const POINTS_1D = 81; // odd: the current value is a grid point
const POINTS_2D = 41;
/** A number in a product: negative ones in parentheses, as the inspector writes them. */
const factor = (x) => (x < 0 ? ["(", x, ")"] : [x]);

/** What L holds besides the data loss (the Loss phase's scalar: the penalty is included). */
function penaltySentence(reg) {
  if (!reg || reg.kind === "none" || !(reg.rate > 0)) {
    return ["L is the data loss alone: regularization is off, so there is no penalty."];
  }
  const term = reg.kind === "l1" ? "λ·Σ|w|" : "½λ·Σw²";
  return [
    `L is the data loss plus the ${reg.kind.toUpperCase()} penalty ${term} over the weights (λ = `, numSpan(reg.rate),
    "), as the Loss phase reports it.",
  ];
}

/** Axes, grid and tick labels of a plot area `box` ({l, t, r, b} in px) into an SVG group. */
function svgAxes(svg, box, X, Y, xr, yr, labels) {
  const g = el("g", { class: "axes" }, svg);
  const xt = niceTicks(xr[0], xr[1], box.r - box.l < 260 ? 3 : 4);
  const yt = niceTicks(yr[0], yr[1], 4);
  for (const v of yt) {
    el("line", { x1: box.l, x2: box.r, y1: Y(v), y2: Y(v), stroke: GRID }, g);
    el("text", { x: box.l - 5, y: Y(v) + 3.5, "text-anchor": "end", class: "tick" }, g).textContent = fmt(v);
  }
  for (const v of xt) {
    el("line", { x1: X(v), x2: X(v), y1: box.t, y2: box.b, stroke: GRID }, g);
    el("text", { x: X(v), y: box.b + 14, "text-anchor": "middle", class: "tick" }, g).textContent = fmt(v);
  }
  el("path", { d: `M${box.l},${box.t} V${box.b} H${box.r}`, stroke: "#c9ced8", fill: "none" }, g);
  el("text", { x: (box.l + box.r) / 2, y: box.b + 31, "text-anchor": "middle", class: "axis-label" }, g).textContent = labels[0];
  const ylab = el("text", { x: 0, y: 0, "text-anchor": "middle", class: "axis-label", transform: `translate(12 ${(box.t + box.b) / 2}) rotate(-90)` }, g);
  ylab.textContent = labels[1];
  return g;
}

export function createLandscapeView(root, { onChange } = {}) {
  const plot = root.querySelector("[data-landscape-plot]");
  const legend = root.querySelector("[data-landscape-legend]");
  const note = root.querySelector("[data-landscape-note]");
  const error = root.querySelector('[data-error="landscape"]');
  const radiusInput = root.querySelector("[data-landscape-radius]");
  const dataSelect = root.querySelector("[data-landscape-data]");
  const secondSelect = root.querySelector("[data-landscape-second]");
  let radius = 2;
  let dataChoice = null; // null: this batch while a step is in progress, else the training split
  let second = null; // the second parameter's target, or null for the 1-D curve
  let lastKey = "";
  let lastNetwork = null;
  let requests = 0;
  let inFlight = null; // the AbortController of the request under way
  let drawn = null; // {res, s, data}: the answer drawn, kept for a resize
  let uid = 0;

  radiusInput.addEventListener("change", () => {
    const r = Number(radiusInput.value);
    if (!(r > 0 && r <= MAX_RADIUS)) {
      error.textContent = `The radius is a number above 0 and at most ${MAX_RADIUS}.`;
      return;
    }
    radius = r;
    onChange?.();
  });
  dataSelect.addEventListener("change", () => {
    dataChoice = dataSelect.value;
    onChange?.();
  });
  secondSelect.addEventListener("change", () => {
    second = secondSelect.value ? targetOfKey(secondSelect.value) : null;
    onChange?.();
  });

  /** The step in progress has a batch the server can evaluate (after Forward, before Update). */
  const batchOf = (trace) => {
    const f = trace?.forward;
    if (!f || trace.update) return null;
    if (!f.indices && !trace.loss) return null; // explicit inputs: the targets come with Loss
    return f;
  };

  /** The second-parameter list: the layer's parameters (its row, column and biases when large). */
  function fillSecond(network, first) {
    const l = first.layer;
    const W = network.parameters.weights[l - 1];
    const rows = W.length;
    const cols = W[0].length;
    const all = rows * cols + rows <= 150;
    const options = [["", "none: the 1-D curve"]];
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < cols; i++) {
        if (all || (first.kind === "edge" && (j === first.j || i === first.i)) || (first.kind === "bias" && j === first.j)) {
          const t = { kind: "edge", layer: l, j, i };
          options.push([parameterKey(t), parameterName(t, network.layers)]);
        }
      }
    }
    for (let j = 0; j < rows; j++) {
      if (all || j === first.j) options.push([parameterKey({ kind: "bias", layer: l, j }), parameterName({ kind: "bias", layer: l, j }, network.layers)]);
    }
    const skip = parameterKey(first);
    secondSelect.replaceChildren(
      ...options
        .filter(([k]) => k !== skip)
        .map(([k, text]) => {
          const o = document.createElement("option");
          o.value = k;
          o.textContent = text;
          return o;
        }),
    );
    if (second && parameterKey(second) !== skip) {
      const key = parameterKey(second);
      if (![...secondSelect.options].some((o) => o.value === key)) {
        // A parameter shift-clicked in another layer: listed too.
        const o = document.createElement("option");
        o.value = key;
        o.textContent = parameterName(second, network.layers);
        secondSelect.appendChild(o);
      }
      secondSelect.value = key;
    } else {
      second = null;
      secondSelect.value = "";
    }
  }

  /** Use `t` as the second parameter (shift-click on the drawing). */
  function chooseSecond(t, s) {
    if (!isParameter(t) || !isParameter(s.selection) || parameterKey(t) === parameterKey(s.selection)) return;
    second = t;
    fillSecond(s.network, s.selection);
  }

  function render(s) {
    const sel = s.selection;
    if (!s.network || !isParameter(sel)) {
      root.hidden = true;
      return;
    }
    root.hidden = false;
    root.querySelector("[data-landscape-name]").textContent = second
      ? `${parameterName(sel, s.network.layers)} and ${parameterName(second, s.network.layers)}`
      : parameterName(sel, s.network.layers);
    const selKey = `${s.network.id}:${s.network.layers.join("-")}:${parameterKey(sel)}`;
    if (secondSelect.dataset.key !== selKey) {
      if (second && second.layer > s.network.layers.length - 1) second = null;
      fillSecond(s.network, sel);
      secondSelect.dataset.key = selKey;
    }
    const batch = batchOf(s.trace);
    // A timeline preview: the curve is drawn around the previewed parameters, on the training split.
    const at = s.snapshotPreview?.snapshot ?? null;
    const batchOption = dataSelect.querySelector("option[value=batch]");
    const trainOption = dataSelect.querySelector("option[value=train]");
    const n = s.network.cursor.n_train;
    trainOption.textContent = `training split (${samples(n)})`;
    batchOption.disabled = !batch;
    batchOption.textContent = batch ? `this batch (${samples(batch.batch_size ?? batch.inputs.length)})` : "this batch (run Forward first)";
    const data = batch && dataChoice !== "train" ? "batch" : "train";
    dataSelect.value = data;
    dataSelect.title = batch
      ? "The loss on the training split, or on the batch of the step in progress"
      : s.trace?.update
        ? "This batch: the step is finished; run Forward for the next batch"
        : "This batch: there is no step in progress; run Forward first";
    if (s.playing) {
      note.textContent = "Paused while Play runs: the landscape is drawn again when training stops.";
      return;
    }
    const key = JSON.stringify([selKey, second && parameterKey(second), radius, data, at && shortMoment(at)]);
    const stale = key !== lastKey || s.network !== lastNetwork || (data === "batch" && drawn?.batch !== batch);
    if (!stale) return;
    lastKey = key;
    lastNetwork = s.network;
    load(s, data, batch, at);
  }

  /** Points per axis: the default, or the most (odd, at least 5) that keep the request within
   * the server's max_landscape_work (points^dims × parameters × samples). */
  function pointsFor(s, dims, nSamples) {
    const wanted = dims === 2 ? POINTS_2D : POINTS_1D;
    const limit = s.catalog?.limits?.max_landscape_work;
    if (!limit) return wanted;
    let p = wanted;
    while (p > 5 && p ** dims * s.network.n_parameters * nSamples > limit) p -= 2;
    return p;
  }

  async function load(s, data, batch, at) {
    const seq = ++requests;
    inFlight?.abort(); // its answer is no longer wanted
    inFlight = new AbortController();
    const params = second ? [s.selection, second] : [s.selection];
    const nSamples = data === "batch" ? (batch.batch_size ?? batch.inputs.length) : s.network.cursor.n_train;
    const points = pointsFor(s, params.length, nSamples);
    const body = { parameters: params.map(refOf), radius, points, data };
    if (at) body.snapshot = at.kind === "epoch" ? { epoch: at.epoch } : { step: at.step };
    root.dataset.state = "loading";
    try {
      const res = await api.landscape(s.network.id, body, { signal: inFlight.signal });
      if (seq !== requests) return;
      error.textContent = "";
      drawn = { res, s, data, batch, params, points, at };
      draw();
      root.dataset.state = "drawn";
    } catch (err) {
      if (seq !== requests || err.name === "AbortError") return;
      drawn = null;
      plot.replaceChildren();
      legend.replaceChildren();
      note.textContent = "";
      error.textContent = err instanceof api.ApiError ? err.detail : `Unexpected error: ${err.message}`;
      root.dataset.state = "error";
    }
  }

  function draw() {
    if (!drawn) return;
    const { res, s, data, batch, params, points, at } = drawn;
    const sel = params[0];
    const v = symbolOf(sel);
    const where = data === "batch" ? `this batch (${samples(res.n_samples)})` : `the training split (${samples(res.n_samples)})`;
    const around = at ? `, around the parameters of ${shortMoment(at)} (the timeline's preview)` : "";
    note.textContent =
      params.length === 1
        ? `L(${v}) with every other parameter fixed, on ${where}${around}.`
        : `L over the two parameters with every other one fixed, on ${where}${around}.`;
    note.append(" ", ...penaltySentence(s.network.regularization));
    const wanted = params.length === 2 ? POINTS_2D : POINTS_1D;
    if (points < wanted) {
      const grid = (p) => (params.length === 2 ? `${p}×${p} grid` : `${p} points`);
      note.append(` A ${grid(points)}: ${grid(wanted)} would exceed the server's work limit (max_landscape_work).`);
    }
    // The inspector's ∂L/∂w is the batch's: say so when the curve is on other data.
    const bl = s.trace?.backward?.layers.find((ly) => ly.index === sel.layer);
    const B = batch?.batch_size ?? batch?.inputs.length;
    if (data === "train" && bl && !s.trace.update && B !== undefined && B !== res.n_samples) {
      const g = sel.kind === "edge" ? bl.dL_dW[sel.j][sel.i] : bl.dL_db[sel.j];
      note.append(` The inspector's ∂L/∂${v} = `, numSpan(g), ` is over ${batchWords(s.trace.forward)}: pick "this batch" for its tangent.`);
    }
    // After Update the inspector shows the update's gradient: another batch, and the old value.
    const ul = s.trace?.update?.layers.find((ly) => ly.index === sel.layer);
    if (ul && !at) {
      const g = sel.kind === "edge" ? ul.dL_dW[sel.j][sel.i] : ul.dL_db[sel.j];
      note.append(
        ` The inspector's ∂L/∂${v} = `, numSpan(g), ` is the update's: over ${batchWords(s.trace.forward)}, at ${v} before the update. `,
        `This curve's slope is over ${where}, at ${v} after it.`,
      );
    }
    legend.replaceChildren();
    if (params.length === 1) draw1d(res, s, data, sel);
    else {
      drawContour(plot, legend, res, params, {
        sizes: s.network.layers,
        here: at ? `at ${shortMoment(at)} (previewed)` : "now",
        onFitRadius: (r) => {
          radius = r;
          radiusInput.value = String(r);
          onChange?.();
        },
      });
    }
  }

  function draw1d(res, s, data, sel) {
    const v = symbolOf(sel);
    const width = Math.max(240, Math.floor(plot.clientWidth || 320));
    const height = Math.round(Math.min(300, Math.max(200, width * 0.6)));
    const box = { l: 50, t: 10, r: width - 10, b: height - 40 };
    const xs = res.axes[0];
    const ys = res.loss;
    const w0 = res.current.value[0];
    const L0 = res.current.loss;
    const g = res.current.gradient[0];
    const finite = ys.filter(Number.isFinite).concat([L0]);
    const lo = Math.min(...finite);
    const hi = Math.max(...finite);
    const span = hi - lo || Math.abs(hi) || 1;
    const yr = [lo - 0.06 * span, hi + 0.08 * span];
    const xr = [xs[0], xs[xs.length - 1]];
    const X = (x) => box.l + ((x - xr[0]) / (xr[1] - xr[0])) * (box.r - box.l);
    const Y = (y) => box.b - ((y - yr[0]) / (yr[1] - yr[0])) * (box.b - box.t);
    const svg = el("svg", {
      viewBox: `0 0 ${width} ${height}`, width, height, class: "landscape-1d", role: "img",
      "aria-label": `Loss as a function of ${parameterName(sel, s.network.layers)}, with the tangent at the current value`,
    });
    const clip = `landscape-clip-${++uid}`;
    el("rect", { x: box.l, y: box.t, width: box.r - box.l, height: box.b - box.t }, el("clipPath", { id: clip }, el("defs", {}, svg)));
    svgAxes(svg, box, X, Y, xr, yr, [`${v} = ${parameterName(sel, s.network.layers)}`, "loss L"]);
    const inside = el("g", { "clip-path": `url(#${clip})` }, svg);
    const d = ys.map((y, k) => (Number.isFinite(y) ? `${k && Number.isFinite(ys[k - 1]) ? "L" : "M"}${X(xs[k]).toFixed(2)},${Y(y).toFixed(2)}` : "")).join("");
    el("path", { d, fill: "none", stroke: INK, "stroke-width": 2, "data-curve": "", "data-points": ys.length }, inside);
    // The tangent across the whole range: L0 + g·(x − w0).
    el("line", {
      x1: X(xr[0]), y1: Y(L0 + g * (xr[0] - w0)), x2: X(xr[1]), y2: Y(L0 + g * (xr[1] - w0)),
      stroke: GRAD, "stroke-width": 1.6, "stroke-dasharray": "6 4", "data-tangent": "",
      "data-x0": xr[0], "data-y0": L0 + g * (xr[0] - w0), "data-x1": xr[1], "data-y1": L0 + g * (xr[1] - w0),
    }, inside);
    // The update's step: w − η·∂L/∂w with this curve's gradient.
    const eta = s.network.learning_rate;
    const frozen = isFrozen(s.network, sel.kind, sel.layer);
    const next = frozen ? w0 : w0 - eta * g;
    const shown = Math.min(xr[1], Math.max(xr[0], next));
    const y0 = Y(L0);
    if (Math.abs(X(shown) - X(w0)) >= 1) {
      const dir = Math.sign(X(shown) - X(w0));
      const tip = X(shown);
      el("line", { x1: X(w0), y1: y0, x2: tip - dir * 6, y2: y0, stroke: STEP, "stroke-width": 2.2 }, inside);
      el("path", { d: `M${tip},${y0} l${-dir * 8},-4.5 v9 z`, fill: STEP }, inside);
      if (shown === next) el("line", { x1: tip, y1: y0, x2: tip, y2: box.b, stroke: STEP, "stroke-dasharray": "2 3" }, inside);
    }
    svg.querySelector("[data-curve]").dataset.step = String(next);
    // The lowest point along the line (the returned curve's argmin).
    const k = argmin(ys);
    if (k >= 0) {
      el("path", { d: `M${X(xs[k]).toFixed(2)},${(Y(ys[k]) + 2).toFixed(2)} l-6,-10 h12 z`, fill: LOWEST, stroke: "#fff", "data-lowest": "", "data-x": xs[k], "data-y": ys[k] }, svg);
    }
    el("circle", { cx: X(w0), cy: y0, r: 4.5, fill: INK, stroke: "#fff", "stroke-width": 1.5, "data-current": "", "data-x": w0, "data-y": L0 }, svg);
    plot.replaceChildren(svg);

    const at = drawn.at;
    const here = at ? `at ${shortMoment(at)} (previewed)` : "now";
    const over = data === "batch" ? `this batch (${samples(res.n_samples)})` : `the training split (${samples(res.n_samples)})`;
    legendItem(legend, "current", { shape: "dot", colour: INK }, [`${here}: ${v} = `, w0, ", L = ", L0]);
    legendItem(legend, "slope", { shape: "dash", colour: GRAD }, [`tangent: slope = ∂L/∂${v} = `, g, `, over ${over}`]);
    const opt = s.network.optimizer?.name ?? "sgd";
    const parts = frozen
      ? [`no step: this layer's ${sel.kind === "edge" ? "weights are" : "biases are"} frozen (not trainable), so the update leaves ${v} at `, w0]
      : opt === "sgd"
        ? [`${at ? "an SGD step from there" : "next SGD step"}: ${v} − η·∂L/∂${v} = `, ...factor(w0), " − ", eta, " · ", ...factor(g), " = ", next]
        : [`plain gradient step: ${v} − η·∂L/∂${v} = `, ...factor(w0), " − ", eta, " · ", ...factor(g), " = ", next];
    const caveats = [];
    if (!frozen && opt !== "sgd") caveats.push(`the ${opt} update's own step also uses its running averages, so it differs`);
    if (!frozen && data === "train" && res.n_samples !== s.network.batch_size) {
      caveats.push(`this is the training split's gradient; an update uses its batch's (${samples(s.network.batch_size)})`);
    }
    if (!frozen && shown !== next) caveats.push("the step ends beyond the plotted range");
    else if (!frozen && Math.abs(X(next) - X(w0)) < 3) caveats.push("too short to see at this scale");
    const stepItem = legendItem(legend, "step", { shape: "arrow", colour: STEP }, parts);
    if (caveats.length) {
      const note = document.createElement("span");
      note.className = "caveat";
      note.textContent = `${caveats.join("; ")}.`.replace(/^./, (c) => c.toUpperCase());
      stepItem.lastChild.appendChild(note);
    }
    if (k >= 0) {
      const edge = k === 0 || k === ys.length - 1;
      const lowest = legendItem(legend, "lowest", { shape: "tri", colour: LOWEST }, [`lowest on this line: ${v} = `, xs[k], ", L = ", ys[k]]);
      if (edge) {
        const note = document.createElement("span");
        note.className = "caveat";
        note.textContent = "At the edge of the range: a larger radius may find a lower point.";
        lowest.lastChild.appendChild(note);
      }
    }
  }

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => !root.hidden && draw(), 150);
  });

  return { render, chooseSecond };
}
