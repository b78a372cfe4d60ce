// Each sample's share of the selected parameter's gradient, for the step in progress after
// Backward: a bar per sample (δ_s · a_prev,s), their sum plus the penalty's gradient = ∂L/∂w.
// Every number is the server's (POST …/gradient-shares).

import * as api from "./api.js";
import { fmt, numSpan } from "./format.js";
import { NEG_CSS, POS_CSS } from "./palette.js";
import { el } from "./svg.js";
import { isParameter, parameterKey, parameterName, refOf, symbolOf } from "./landscape-common.js";


export function createSharesView(root, nameNode) {
  const error = root.parentElement.querySelector('[data-error="shares"]');
  let lastKey = "";
  let lastBackward = null;
  let requests = 0;
  let inFlight = null; // the AbortController of the request under way
  let drawn = null;

  function render(s) {
    const sel = s.selection;
    if (!s.network || !isParameter(sel)) return;
    nameNode.textContent = `∂L/∂${symbolOf(sel)}`;
    const backward = s.trace?.backward && !s.trace.update ? s.trace.backward : null;
    if (!backward) {
      lastKey = "";
      lastBackward = null;
      drawn = null;
      requests++;
      inFlight?.abort();
      error.textContent = "";
      const p = document.createElement("p");
      p.className = "hint";
      p.dataset.sharesEmpty = "";
      p.textContent = s.snapshotPreview
        ? "Previewing a timeline point: the shares belong to a step in progress, and a kept point has none. Back to now (Esc) shows the network as it is."
        : s.trace?.update
        ? "The step's update has been applied. Run Forward, Loss and Backward for the next batch: each sample's share of the gradient shows here."
        : "After Backward (before Update), each sample's share δ·a of the gradient shows here: a bar per sample of the batch.";
      root.replaceChildren(p);
      root.dataset.state = "empty";
      return;
    }
    if (s.playing) return;
    const key = `${s.network.id}:${parameterKey(sel)}`;
    if (key === lastKey && backward === lastBackward) return;
    lastKey = key;
    lastBackward = backward;
    load(s, sel, key);
  }

  async function load(s, sel, key) {
    const seq = ++requests;
    inFlight?.abort(); // its answer is no longer wanted
    inFlight = new AbortController();
    root.dataset.state = "loading";
    try {
      const res = await api.gradientShares(s.network.id, refOf(sel), { signal: inFlight.signal });
      if (seq !== requests) return;
      error.textContent = "";
      drawn = { res, sel, key, sizes: s.network.layers };
      draw();
      root.dataset.state = "drawn";
    } catch (err) {
      if (seq !== requests || err.name === "AbortError") return;
      drawn = null;
      root.replaceChildren();
      error.textContent = err instanceof api.ApiError ? err.detail : `Unexpected error: ${err.message}`;
      root.dataset.state = "error";
    }
  }

  function draw() {
    if (!drawn) return;
    const { res, sel, sizes } = drawn;
    const v = symbolOf(sel);
    const terms = res.terms;
    const n = terms.length;
    const out = [];
    const intro = document.createElement("p");
    intro.className = "hint";
    intro.textContent =
      `∂L/∂${v} of ${parameterName(sel, sizes)} over the batch is a sum of one term per sample, ` +
      (sel.kind === "edge" ? "δ_s · a_s: the neuron's δ times the input this weight multiplies" : "δ_s: the neuron's δ (a bias multiplies 1)") +
      (res.batch_size > 1 ? ` (each δ carries the 1/${res.batch_size} of the batch mean).` : ".");
    out.push(intro);

    // The bars: one per sample, up from the zero line when positive.
    const width = Math.max(240, Math.floor(root.clientWidth || 320));
    const height = 150;
    const box = { l: 60, t: 8, r: width - 8, b: height - 22 };
    const m = Math.max(...terms.map(Math.abs).filter(Number.isFinite), 0) || 1;
    const Y = (y) => (box.t + box.b) / 2 - (y / m) * ((box.b - box.t) / 2);
    const slot = (box.r - box.l) / n;
    const barW = Math.min(36, slot > 4 ? slot - Math.min(2, slot * 0.2) : slot);
    const svg = el("svg", {
      viewBox: `0 0 ${width} ${height}`, width, height, class: "shares-bars", role: "img",
      "aria-label": `One bar per sample: its term of ∂L/∂${v}`,
    });
    for (const t of [m, 0, -m]) {
      el("line", { x1: box.l, x2: box.r, y1: Y(t), y2: Y(t), stroke: t ? "#eceef2" : "#9aa3b2" }, svg);
      el("text", { x: box.l - 5, y: Y(t) + 3.5, "text-anchor": "end", class: "tick" }, svg).textContent = fmt(t);
    }
    const bars = el("g", {}, svg);
    terms.forEach((t, k) => {
      const x = box.l + k * slot + (slot - barW) / 2;
      const y = Math.min(Y(t), Y(0));
      const h = Math.max(Number.isFinite(t) ? 0.5 : 0, Math.abs(Y(t) - Y(0)));
      const bar = el("rect", { x, y, width: Math.max(0.6, barW), height: h, fill: t > 0 ? POS_CSS : NEG_CSS, "data-k": k, "data-term": t }, bars);
      el("title", {}, bar).textContent = label(res, k, v);
    });
    el("text", { x: (box.l + box.r) / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, svg).textContent =
      res.cut ? `the first ${n} of ${res.batch_size} samples, in batch order` : `${n} sample${n > 1 ? "s" : ""} in batch order`;
    const readout = document.createElement("p");
    readout.className = "share-readout";
    readout.dataset.shareReadout = "";
    readout.textContent = "Hover a bar for its sample.";
    const highlight = el("rect", { y: box.t, height: box.b - box.t, width: slot, fill: "rgba(29,35,48,0.08)", visibility: "hidden" }, svg);
    svg.addEventListener("mousemove", (evt) => {
      const r = svg.getBoundingClientRect();
      const x = ((evt.clientX - r.left) / r.width) * width;
      const k = Math.floor((x - box.l) / slot);
      if (k < 0 || k >= n) return;
      highlight.setAttribute("x", String(box.l + k * slot));
      highlight.setAttribute("visibility", "visible");
      readout.textContent = label(res, k, v);
    });
    svg.addEventListener("mouseleave", () => highlight.setAttribute("visibility", "hidden"));
    out.push(svg, readout);

    if (res.cut) {
      const cut = document.createElement("p");
      cut.className = "hint cut";
      cut.dataset.sharesCut = "";
      cut.textContent = `First ${res.trace_samples} of ${res.batch_size} samples shown (the trace limit); the sum below covers all ${res.batch_size}.`;
      out.push(cut);
    }

    // The sum: every term + the penalty's gradient = the backward pass's ∂L/∂w.
    const sum = document.createElement("p");
    sum.className = "shares-sum";
    const fact = (name, x) => {
      const span = numSpan(x);
      span.dataset.fact = name;
      return span;
    };
    sum.append(`Σ of the ${res.batch_size} terms = `, fact("sum_of_terms", res.sum_of_terms));
    if (sel.kind === "edge") sum.append(" + penalty's gradient ", fact("penalty_gradient", res.penalty_gradient));
    sum.append(` = ∂L/∂${v} = `, fact("gradient", res.gradient));
    out.push(sum);

    const up = terms.filter((t) => t < 0).length;
    const down = terms.filter((t) => t > 0).length;
    const keyList = document.createElement("ul");
    keyList.className = "landscape-legend";
    const item = (colour, text, fact) => {
      const li = document.createElement("li");
      li.dataset.fact = fact;
      const sw = document.createElement("span");
      sw.className = "sw box";
      sw.style.setProperty("--c", colour);
      li.append(sw, text);
      keyList.appendChild(li);
    };
    const of = res.cut ? ` of the ${n} shown` : "";
    item(POS_CSS, `term > 0: pulls ${v} down at the update (${v} − η·∂L/∂${v}) — ${down} sample${down === 1 ? "" : "s"}${of}`, "down");
    item(NEG_CSS, `term < 0: pushes ${v} up — ${up} sample${up === 1 ? "" : "s"}${of}`, "up");
    out.push(keyList);
    root.replaceChildren(...out);
  }

  function label(res, k, v) {
    const who = res.indices ? `sample #${res.indices[k]}` : `row ${k + 1}`;
    const a = res.a_prev[k];
    return v === "w"
      ? `${who}: δ = ${fmt(res.dL_dz[k])} × a = ${fmt(a)} → term ${fmt(res.terms[k])}`
      : `${who}: δ = ${fmt(res.dL_dz[k])} → term ${fmt(res.terms[k])}`;
  }

  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(draw, 150);
  });

  return { render };
}
