// The network drawing (SVG) and its phase animations.
// Layer l = 0..L (0 = inputs). Edge (l, j, i) carries W[l][j][i]: from neuron i of layer l-1
// into neuron j of layer l, as in the API. Values shown are the API's, for one sample row.

import { GRAD, activationColour, diverging, signColour } from "./palette.js";
import { fmt, full } from "./format.js";
import { NS, el, lerp, maxAbs } from "./svg.js";
import { createAnimation } from "./network-animation.js";
import { activationColours, paintGrid } from "./grid-image.js";
import { hideMapZoom, showMapZoom } from "./map-zoom.js";

const VW_MAX = 760; // the drawing's width in SVG units; narrower screens get 1:1 text
const VW_MIN = 330;
const COLLAPSE_OVER = 16; // a layer wider than this shows its first and last SHOW_ENDS neurons
const SHOW_ENDS = 8;
const VH_MAX = 560;



// Advance widths (em) of the characters fmt() produces, in DejaVu Sans / system-ui; the
// label layout needs them before the text is rendered.
const CHAR_EM = { ".": 0.32, "−": 0.84, "-": 0.36, e: 0.62, " ": 0.32, b: 0.64, "∞": 0.83 };
const textWidth = (text, size) => [...text].reduce((w, ch) => w + (CHAR_EM[ch] ?? 0.64) * size, 0);
const SIDE_LABEL_PX = 11; // font size of the feature and output names (app.css .side-label)
const EDGE_LABEL_PX = 11;
const SHORT_ACTIVATION = { sigmoid: "σ", tanh: "tanh", relu: "ReLU", leaky_relu: "lReLU", linear: "lin", softmax: "smax" };
const BIAS_TARGET = 20; // SVG units: ≥ 16 px on screen from 1280 px wide up, 20 px on a phone

/**
 * Write `text` into an SVG text, shortened with "…" to `room` px; the full text goes in a
 * <title>. True when it fitted whole.
 */
function fitLabel(node, text, room) {
  node.textContent = text;
  if (!node.isConnected || node.getComputedTextLength() <= room) return true;
  let keep = text.length - 1;
  while (keep > 1) {
    node.textContent = `${text.slice(0, keep)}…`;
    if (node.getComputedTextLength() <= room) break;
    keep -= 1;
  }
  const title = document.createElementNS(NS, "title");
  title.textContent = text;
  node.appendChild(title);
  return false;
}
const overlaps = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
/** Fractions along an edge to try, nearest the preferred one first, away from the ends. */
function labelFractions(pref) {
  const out = [pref];
  for (let d = 0.08; d <= 0.6; d += 0.08) out.push(pref - d, pref + d);
  return out.filter((t) => t >= 0.15 && t <= 0.85);
}

/** The neurons of a layer of size n that are drawn: all, or the first and last SHOW_ENDS. */
function shownNeurons(n, expanded) {
  const all = Array.from({ length: n }, (_, j) => j);
  if (n <= COLLAPSE_OVER || expanded) return all;
  return [...all.slice(0, SHOW_ENDS), ...all.slice(n - SHOW_ENDS)];
}

export function createNetworkView(svg, { onHover, onLeave, onSelect, onExpand, emit }) {
  let geo = null; // layout of the current architecture
  let selected = null;
  let lastBuild = null;
  const expanded = new Set(); // layers drawn in full although wider than COLLAPSE_OVER

  svg.addEventListener("mouseleave", () => {
    onLeave?.();
    zoomMap(null);
  });

  /** A hidden neuron's heatmap, enlarged beside it (hover or keyboard focus). */
  let zoomed = null; // "l-j" of the neuron whose map is enlarged
  function zoomMap(t, node) {
    zoomed = t?.kind === "neuron" ? `${t.layer}-${t.j}` : null;
    const href = zoomed ? geo?.mapHrefs?.get(zoomed) : null;
    if (!href) return hideMapZoom();
    const act = lastBuild?.activations?.[t.layer - 1] ?? "";
    const label = `Hidden layer ${t.layer}, neuron ${t.j + 1}${act ? ` (${act})` : ""}: its activation over the input plane (x1 →, x2 ↑)`;
    showMapZoom(href, label, node.getBoundingClientRect());
  }
  svg.addEventListener("focusin", (evt) => {
    const hit = evt.target.closest?.("[data-kind=neuron]");
    zoomMap(hit && targetOf(hit), hit);
  });
  svg.addEventListener("focusout", () => zoomMap(null));

  function targetOf(node) {
    const hit = node.closest("[data-kind]");
    if (!hit) return null;
    const d = hit.dataset;
    return { kind: d.kind, layer: Number(d.layer), j: Number(d.j), i: d.i === undefined ? undefined : Number(d.i) };
  }
  svg.addEventListener("mousemove", (evt) => {
    const t = targetOf(evt.target);
    if (t) onHover?.(t, evt);
    else onLeave?.();
    const key = t?.kind === "neuron" ? `${t.layer}-${t.j}` : null;
    if (key !== zoomed) zoomMap(t, evt.target.closest("[data-kind]"));
  });
  function toggleLayer(l) {
    if (expanded.has(l)) expanded.delete(l);
    else expanded.add(l);
    build(lastBuild);
    onExpand?.();
  }
  svg.addEventListener("click", (evt) => {
    const toggle = evt.target.closest?.("[data-expand-layer]");
    if (toggle) return toggleLayer(Number(toggle.dataset.expandLayer));
    const t = targetOf(evt.target);
    if (t) onSelect?.(t);
  });
  svg.addEventListener("keydown", (evt) => {
    // Enter opens a neuron, edge or bias; Space is left to the page, where it toggles Play.
    if (evt.key !== "Enter") return;
    const toggle = evt.target.closest?.("[data-expand-layer]");
    if (toggle) return toggleLayer(Number(toggle.dataset.expandLayer));
    const t = targetOf(evt.target);
    if (t) {
      evt.preventDefault();
      evt.stopPropagation();
      onSelect?.(t);
    }
  });

  /** "⋮ 48 more · show all" in the gap of a collapsed layer, or "show 16 of 64" under an expanded one. */
  function layerToggle(l, n, x, y, parent, room) {
    const open = expanded.has(l);
    const t = el(
      "text",
      { x, y: open ? y : y + 4, "text-anchor": "middle", class: "layer-toggle halo", tabindex: 0, role: "button", "data-expand-layer": l },
      parent,
    );
    const more = `⋮ ${n - 2 * SHOW_ENDS} more`;
    t.textContent = open ? `show ${2 * SHOW_ENDS} of ${n}` : textWidth(more, 11) * 1.15 <= room ? more : `⋮ +${n - 2 * SHOW_ENDS}`;
    t.setAttribute("aria-label", open ? `Collapse layer ${l} to ${2 * SHOW_ENDS} neurons` : `Show all ${n} neurons of layer ${l}`);
    t.setAttribute("aria-expanded", String(open));
  }

  /** Build the SVG for an architecture. sizes = [n0, ..., nL]. */
  function build(args) {
    lastBuild = args;
    const { sizes, activations, featureNames, targetNames } = args;
    svg.replaceChildren();
    const L = sizes.length - 1;
    const shown = sizes.map((n, l) => shownNeurons(n, expanded.has(l)));
    // A collapsed layer keeps one free slot between its first and last neurons for "⋮ N more".
    const slots = shown.map((s, l) => s.length + (s.length < sizes[l] ? 1 : 0));
    const maxN = Math.max(...slots);
    const top = 46;
    const bottom = 22;
    // Small networks get a shorter drawing, so the inspector stays in view at 1280×800.
    const VH = Math.max(300, Math.min(VH_MAX, top + bottom + maxN * 84));
    const VW = Math.round(Math.max(VW_MIN, Math.min(VW_MAX, svg.clientWidth || VW_MAX)));
    svg.setAttribute("viewBox", `0 0 ${VW} ${VH}`);
    const spacing = Math.min(84, (VH - top - bottom) / maxN);
    const r = Math.max(4, Math.min(22, spacing * 0.3));
    // Margins fit the feature names on the left and "ŷ name = value" on the right.
    const narrow = VW < 560;
    const longest = (names, n) => Math.max(2, ...Array.from({ length: n }, (_, j) => (names?.[j] ?? "x1").length));
    // Room for the circle's radius plus the label: names are shortened to fit (fitLabel).
    // Where the circles are too small for numbers, the input names carry " = value" (≈ 62 px).
    const valueRoom = r >= 16 || narrow ? 0 : 62;
    const left = Math.round(r + 16 + Math.max(30, Math.min(narrow ? 50 : 120, 7.5 * longest(featureNames, sizes[0]) + valueRoom)));
    const right = Math.round(r + 16 + Math.min(narrow ? 82 : 160, 80 + 7.5 * (sizes[L] > 1 ? longest(targetNames, sizes[L]) + 1 : 0)));
    const gap = (VW - left - right) / Math.max(1, L);
    const pos = sizes.map(() => []);
    shown.forEach((list, l) =>
      list.forEach((j, k) => {
        const slot = k < SHOW_ENDS || list.length === sizes[l] ? k : k + 1;
        pos[l][j] = { x: left + l * gap, y: top + (VH - top - bottom) / 2 + (slot - (slots[l] - 1) / 2) * spacing };
      }),
    );
    const edgesPerLayer = shown.slice(1).map((list, l) => list.length * shown[l].length);
    geo = {
      sizes,
      shown,
      L,
      r,
      pos,
      activations,
      showValues: r >= 16, // room for an 11 px number inside the circle
      showDetails: r >= 16 && maxN <= 4 && gap >= 110, // a z or δ line under each neuron
      showEdgeLabels: edgesPerLayer.map((n) => r >= 14 && n <= 12 && gap >= 140),
      nodes: {},
      spacing,
      gap,
      mapBoxes: [], // where the per-neuron heatmaps sit: edge labels keep clear of them
    };

    const defs = el("defs", {}, svg);
    const glow = el("filter", { id: "soft", x: "-50%", y: "-50%", width: "200%", height: "200%" }, defs);
    el("feGaussianBlur", { stdDeviation: "2" }, glow);

    const gTitles = el("g", { class: "titles" }, svg);
    const gGlow = el("g", { class: "grad-glows" }, svg);
    const gEdges = el("g", { class: "edges" }, svg);
    const gLabels = el("g", { class: "edge-labels" }, svg);
    const gPulses = el("g", { class: "pulses" }, svg);
    const gMaps = el("g", { class: "neuron-maps" }, svg); // above the edges, under the neurons
    const gNeurons = el("g", { class: "neurons" }, svg);
    const gSide = el("g", { class: "side" }, svg);
    const gToggles = el("g", { class: "toggles" }, svg); // on top: nothing covers them
    geo.gPulses = gPulses;
    geo.gMaps = gMaps;

    // Titles fit the space between columns: "Hidden 1 (64)", else "H1 (64)"; "sigmoid", else "σ".
    const fits = (text) => textWidth(text, 12) * 1.12 <= gap - 8;
    sizes.forEach((n, l) => {
      const x = left + l * gap;
      const count = n > COLLAPSE_OVER ? ` (${n})` : "";
      const long = `${l === 0 ? "Input" : l === L ? "Output" : `Hidden ${l}`}${count}`;
      const t = el("text", { x, y: 16, "text-anchor": "middle", class: "layer-title" }, gTitles);
      t.textContent = fits(long) || L === 0 ? long : `${l === 0 ? "In" : l === L ? "Out" : `H${l}`}${count}`;
      if (l > 0) {
        const a = el("text", { x, y: 31, "text-anchor": "middle", class: "layer-title" }, gTitles);
        const act = activations[l - 1];
        a.textContent = fits(act) ? act : (SHORT_ACTIVATION[act] ?? act.slice(0, 4));
        a.style.fill = activationColour(act);
      }
      if (n > COLLAPSE_OVER) layerToggle(l, n, x, expanded.has(l) ? VH - 5 : pos[l][shown[l][SHOW_ENDS - 1]].y + spacing, gToggles, gap - 8);
    });

    geo.edges = [];
    const hitsInto = []; // per layer, per neuron j: its incoming edges' hit lines, in tab order
    for (let l = 1; l <= L; l++) {
      const rows = [];
      hitsInto[l] = [];
      for (const j of shown[l]) {
        const row = [];
        hitsInto[l][j] = [];
        for (const i of shown[l - 1]) {
          const p0 = pos[l - 1][i];
          const p1 = pos[l][j];
          const coords = { x1: p0.x + r, y1: p0.y, x2: p1.x - r, y2: p1.y };
          const data = { "data-kind": "edge", "data-layer": l, "data-j": j, "data-i": i };
          const glowLine = el("line", { ...coords, stroke: GRAD, "stroke-opacity": 0, "stroke-linecap": "round" }, gGlow);
          const line = el("line", { ...coords, class: "edge", "data-edge": `${l}-${j}-${i}` }, gEdges);
          const hit = el("line", { ...coords, class: "edge-hit", "stroke-width": Math.max(6, Math.min(12, r * 0.6)), tabindex: 0, role: "button", ...data });
          hitsInto[l][j].push(hit);
          hit.setAttribute("aria-label", `weight from ${l === 1 ? "input" : "neuron"} ${i + 1} to ${l === L ? "output" : "neuron"} ${j + 1}, layer ${l}`);
          let label = null;
          // Preferred spot: nearer the wider column, where the edges are furthest apart;
          // layoutEdgeLabels moves a label along its edge when that spot is taken.
          const pref = sizes[l] > sizes[l - 1] ? 0.7 : sizes[l] < sizes[l - 1] ? 0.3 : 0.5 + (j % 2 ? 0.12 : -0.12);
          if (geo.showEdgeLabels[l - 1]) {
            const t = pref;
            label = el(
              "text",
              {
                x: lerp(coords.x1, coords.x2, t),
                y: lerp(coords.y1, coords.y2, t) - 4,
                "text-anchor": "middle",
                class: "edge-label halo",
                "font-size": EDGE_LABEL_PX,
              },
              gLabels,
            );
          }
          row[i] = { line, glowLine, label, coords, pref, w: 0 };
        }
        rows[j] = row;
      }
      geo.edges.push(rows);
    }

    geo.neurons = shown.map((list, l) => {
      const layer = [];
      for (const j of list) {
        const { x, y } = pos[l][j];
        const g = el(
          "g",
          { class: "neuron", "data-kind": "neuron", "data-layer": l, "data-j": j, tabindex: 0, role: "button" },
          gNeurons,
        );
        const act = l === 0 ? "input" : activations[l - 1];
        g.setAttribute("aria-label", l === 0 ? `input ${j + 1}` : `layer ${l} neuron ${j + 1}`);
        const ring = el("circle", { cx: x, cy: y, r: r + 3, fill: "none", stroke: GRAD, "stroke-opacity": 0 }, g);
        const body = el("circle", { cx: x, cy: y, r, class: "body", fill: "#fff", stroke: activationColour(act) }, g);
        const value = el(
          "text",
          {
            x,
            y: y + 0.35 * 11,
            "text-anchor": "middle",
            "font-size": 11,
          },
          g,
        );
        let detail = null;
        if (geo.showDetails && l > 0) {
          detail = el("text", { x, y: y + r + 13, "text-anchor": "middle", "font-size": 11, class: "halo" }, g);
        }
        let bias = null;
        if (l > 0) {
          const s = Math.max(5, Math.min(16, r * 0.75)); // a comfortable target: 16 px where there is room
          const bg = el(
            "g",
            { class: "bias", "data-kind": "bias", "data-layer": l, "data-j": j, tabindex: 0, role: "button" },
            gNeurons,
          );
          bg.setAttribute("aria-label", `bias of layer ${l} neuron ${j + 1}`);
          const rect = el("rect", { x: x - r - s * 0.35, y: y - r - s * 0.65, width: s, height: s, rx: 1.5 }, bg);
          // The square may be small on a crowded layer; its target is at least BIAS_TARGET wide.
          const pad = Math.max(0, (BIAS_TARGET - s) / 2);
          el("rect", { x: x - r - s * 0.35 - pad, y: y - r - s * 0.65 - pad, width: s + 2 * pad, height: s + 2 * pad, class: "bias-hit" }, bg);
          let text = null;
          if (geo.showDetails) {
            text = el("text", { x: x - r - s * 0.5, y: y - r - s * 0.8, "text-anchor": "end", "font-size": 11, class: "halo" }, bg);
          }
          bias = { g: bg, rect, text };
        }
        // Tab order follows the network: a neuron, its bias, then the edges coming into it.
        if (l > 0) el("g", { class: "incoming" }, gNeurons).append(...hitsInto[l][j]);
        layer[j] = { g, ring, body, value, detail, bias, act };
      }
      return layer;
    });

    // Feature names on the left, prediction vs target on the right.
    geo.side = { inputs: [], outputs: [] };
    // On a tall input column only every `every`-th name fits (the others show on hover), and
    // a name longer than the margin is shortened with "…", its full text in a <title>.
    const every = Math.max(1, Math.ceil((SIDE_LABEL_PX + 2) / spacing));
    geo.side.room = left - r - 14;
    pos[0].forEach((p, j) => {
      const visible = j % every === 0;
      const t = el("text", { x: p.x - r - 12, y: p.y + 4, "text-anchor": "end", class: "side-label halo" }, gSide);
      if (!visible) t.setAttribute("visibility", "hidden");
      const name = featureNames?.[j] ?? `x${j + 1}`;
      geo.side.inputs[j] = { t, name, shown: visible };
      fitLabel(t, name, geo.side.room);
    });
    pos[L].forEach((p, j) => {
      const t = el("text", { x: p.x + r + 12, y: p.y - 3, class: "side-label halo" }, gSide);
      const t2 = el("text", { x: p.x + r + 12, y: p.y + 12, class: "side-label halo" }, gSide);
      const name = targetNames?.[j] ?? (sizes[L] > 1 ? `y${j + 1}` : "y");
      t.textContent = sizes[L] > 1 ? `ŷ ${name}` : "ŷ";
      geo.side.outputs[j] = { t, t2, name };
    });
    const lastOut = pos[L][shown[L][shown[L].length - 1]];
    geo.side.loss = el("text", { x: lastOut.x + r + 12, y: lastOut.y + r + 28, class: "side-label halo loss-label" }, gSide);
    if (selected) markSelected(selected);
  }

  // ---- static state ----------------------------------------------------------------------

  function paintEdge(l, j, i, w, scale) {
    const e = geo.edges[l - 1][j][i];
    const t = Math.min(1, Math.abs(w) / scale);
    e.line.setAttribute("stroke", signColour(w));
    e.line.setAttribute("stroke-width", (0.6 + 6.4 * t).toFixed(2));
    e.line.setAttribute("stroke-opacity", (0.35 + 0.55 * t).toFixed(2));
    e.w = w;
    if (e.label) {
      e.label.textContent = fmt(w);
      e.label.style.fill = signColour(w);
    }
  }

  /**
   * Place each weight label on its edge where it overlaps no neuron, bias and no other label:
   * the heaviest weights first, each at the first free fraction along its edge, nearest its
   * preferred one. A label with no free spot is hidden; hovering the edge still shows it.
   */
  function layoutEdgeLabels() {
    const size = EDGE_LABEL_PX;
    const taken = [];
    const r = geo.r;
    geo.pos.forEach((layer, l) =>
      layer.forEach((p, j) => {
        taken.push({ x1: p.x - r, x2: p.x + r, y1: p.y - r, y2: p.y + r });
        const n = geo.neurons[l][j];
        if (n.bias) {
          const x = Number(n.bias.rect.getAttribute("x"));
          const y = Number(n.bias.rect.getAttribute("y"));
          const s = Number(n.bias.rect.getAttribute("width"));
          taken.push({ x1: x, x2: x + s, y1: y, y2: y + s });
          if (n.bias.text) {
            const tx = Number(n.bias.text.getAttribute("x"));
            const ty = Number(n.bias.text.getAttribute("y"));
            taken.push({ x1: tx - textWidth(n.bias.text.textContent, 9.5), x2: tx, y1: ty - 8, y2: ty + 2 });
          }
        }
        // The line under a neuron ("z …" or "δ …") changes with each phase: keep room for it.
        if (n.detail) taken.push({ x1: p.x - 32, x2: p.x + 32, y1: p.y + r + 4, y2: p.y + r + 16 });
      }),
    );
    taken.push(...geo.mapBoxes);
    const labels = geo.edges.flat(2).filter((e) => e.label);
    labels.sort((a, b) => Math.abs(b.w) - Math.abs(a.w));
    for (const e of labels) {
      const half = textWidth(e.label.textContent, size) / 2 + 1.5;
      const { x1, y1, x2, y2 } = e.coords;
      let spot = null;
      for (const t of labelFractions(e.pref)) {
        const x = lerp(x1, x2, t);
        const y = lerp(y1, y2, t) - 4;
        const box = { x1: x - half, x2: x + half, y1: y - 9.5, y2: y + 3 }; // a little air above and below
        if (!taken.some((b) => overlaps(b, box))) {
          spot = { x, y, box };
          break;
        }
      }
      if (spot) {
        e.label.setAttribute("x", spot.x.toFixed(1));
        e.label.setAttribute("y", spot.y.toFixed(1));
        e.label.removeAttribute("visibility");
        taken.push(spot.box);
      } else {
        e.label.setAttribute("visibility", "hidden");
      }
    }
  }

  function paintBias(l, j, v, scale) {
    const n = geo.neurons[l][j];
    // A square root keeps small biases visible next to the weights' scale.
    n.bias.rect.setAttribute("fill", diverging(Math.sign(v) * Math.sqrt(Math.abs(v) / scale), 1));
    n.bias.rect.setAttribute("stroke", v === 0 ? "#6b7383" : signColour(v));
    if (n.bias.text) n.bias.text.textContent = `b ${fmt(v)}`;
  }

  function setParams(weights, biases) {
    const wScale = Math.max(1e-9, ...weights.map((m) => maxAbs(m)), ...biases.map((v) => maxAbs([v])));
    for (let l = 1; l <= geo.L; l++) {
      for (const j of geo.shown[l]) {
        for (const i of geo.shown[l - 1]) paintEdge(l, j, i, weights[l - 1][j][i], wScale);
        paintBias(l, j, biases[l - 1][j], wScale);
      }
    }
    layoutEdgeLabels();
  }

  function setNeuronValue(l, j, a, scale) {
    const n = geo.neurons[l][j];
    if (a === null || a === undefined) {
      n.body.setAttribute("fill", "#fff");
      n.value.textContent = "";
      n.g.dataset.a = "";
      return;
    }
    const t = Math.min(1, Math.abs(a) / scale);
    n.body.setAttribute("fill", diverging(a, scale));
    n.value.textContent = geo.showValues ? fmt(a) : "";
    n.value.setAttribute("fill", t > 0.6 ? "#fff" : "#1d2330");
    n.g.dataset.a = full(a);
  }

  /** Show activations a[l] (l = 0..L, one sample row) for layers 0..upTo. */
  function setActivations(acts, upTo = geo.L) {
    for (let l = 0; l <= geo.L; l++) {
      const row = l <= upTo ? acts?.[l] : null;
      const scale = row ? Math.max(1, maxAbs([row])) : 1;
      for (const j of geo.shown[l]) setNeuronValue(l, j, row ? row[j] : null, scale);
      if (l === 0) {
        geo.side.inputs.forEach((s, j) => {
          // The circle already shows the value when there is room for it.
          // "x1 = 0.5" where it fits, else the name alone (the value shows on hover).
          if (!s.shown) return;
          const withValue = row && !geo.showValues ? `${s.name} = ${fmt(row[j])}` : s.name;
          if (!fitLabel(s.t, withValue, geo.side.room) && withValue !== s.name) fitLabel(s.t, s.name, geo.side.room);
        });
      }
    }
  }

  /** The loss of the step under the output column (null clears). */
  function setLoss(value) {
    geo.side.loss.textContent = value === null || value === undefined ? "" : `L = ${fmt(value)}`;
    geo.side.loss.dataset.value = value ?? "";
  }

  /**
   * After Update the drawn ŷ, L and activations were computed with the weights before it:
   * grey them and say so, while the edges already show the new weights.
   */
  function setStale(stale) {
    svg.dataset.stale = String(stale);
    const loss = geo?.side.loss;
    if (loss && loss.dataset.value !== "") loss.textContent = `L = ${fmt(Number(loss.dataset.value))}${stale ? " (before the update)" : ""}`;
  }

  function setOutputs(yhat, y) {
    geo.side.outputs.forEach((s, j) => {
      s.t.textContent = yhat ? `ŷ${geo.sizes[geo.L] > 1 ? ` ${s.name}` : ""} = ${fmt(yhat[j])}` : geo.sizes[geo.L] > 1 ? `ŷ ${s.name}` : "ŷ";
      s.t2.textContent = y ? `y = ${fmt(y[j])}` : "";
    });
  }

  /** δ = ∂L/∂z per layer (one sample row) for layers from..L; null clears. */
  function setDeltas(deltas, from = 1) {
    const all = deltas ? deltas.filter(Boolean) : [];
    const scale = Math.max(1e-12, maxAbs(all));
    for (let l = 1; l <= geo.L; l++) {
      const row = deltas && l >= from ? deltas[l] : null;
      for (const j of geo.shown[l]) {
        const n = geo.neurons[l][j];
        if (!row) {
          n.ring.setAttribute("stroke-opacity", 0);
          if (n.detail) n.detail.textContent = "";
          continue;
        }
        const t = Math.min(1, Math.abs(row[j]) / scale);
        n.ring.setAttribute("stroke-width", (1 + 5 * t).toFixed(2));
        n.ring.setAttribute("stroke-opacity", (0.25 + 0.6 * t).toFixed(2));
        if (n.detail) {
          n.detail.textContent = `δ ${fmt(row[j])}`;
          n.detail.style.fill = GRAD;
        }
      }
    }
  }

  function setZ(zs, upTo) {
    if (!geo.showDetails) return;
    for (let l = 1; l <= geo.L; l++) {
      for (const j of geo.shown[l]) {
        const n = geo.neurons[l][j];
        if (n.detail) {
          n.detail.textContent = zs && l <= upTo ? `z ${fmt(zs[l][j])}` : "";
          n.detail.style.fill = "#5d6677";
        }
      }
    }
  }

  /** Gradient glow on the edges of layers from..L (∂L/∂W); null clears. */
  function setEdgeGrads(grads, from = 1, scale = null) {
    const s = scale ?? Math.max(1e-12, ...(grads || []).filter(Boolean).map((m) => maxAbs(m)));
    for (let l = 1; l <= geo.L; l++) {
      for (const j of geo.shown[l]) {
        for (const i of geo.shown[l - 1]) {
          const e = geo.edges[l - 1][j][i];
          const g = grads && l >= from ? grads[l - 1]?.[j][i] : null;
          if (g === null || g === undefined) {
            e.glowLine.setAttribute("stroke-opacity", 0);
            continue;
          }
          const t = Math.min(1, Math.abs(g) / s);
          e.glowLine.setAttribute("stroke-width", (2 + 12 * t).toFixed(2));
          e.glowLine.setAttribute("stroke-opacity", (0.08 + 0.4 * t).toFixed(2));
        }
      }
    }
  }

  /**
   * The numbers written on the drawing where there is room (hover shows them everywhere):
   * `display.edges` "w", "dL_dW" or "step"; `display.neurons` "a", "z" or "delta".
   * A quantity the step has not computed yet leaves its label empty.
   */
  function showNumbers(display, trace, row = 0) {
    if (!geo) return;
    const f = trace?.forward;
    const back = trace?.backward;
    const upd = trace?.update;
    const ofLayer = (phase, l) => phase?.layers.find((ly) => ly.index === l);
    for (let l = 1; l <= geo.L; l++) {
      const edgeSource =
        display.edges === "dL_dW" ? (ofLayer(back, l) ?? ofLayer(upd, l))?.dL_dW : display.edges === "step" ? ofLayer(upd, l)?.step_W : null;
      geo.edges[l - 1].forEach((rowOfEdges, j) =>
        rowOfEdges.forEach((e, i) => {
          if (!e.label) return;
          const v = display.edges === "w" ? e.w : edgeSource?.[j][i];
          e.label.textContent = v === undefined || v === null ? "" : fmt(v);
          e.label.style.fill = display.edges === "w" ? signColour(e.w) : GRAD;
        }),
      );
      if (!geo.showValues || display.neurons === "a") continue;
      const values = display.neurons === "z" ? ofLayer(f, l)?.z[row] : ofLayer(back, l)?.dL_dz[row];
      geo.neurons[l].forEach((n, j) => {
        n.value.textContent = values ? fmt(values[j]) : "";
        n.value.setAttribute("fill", "#1d2330");
      });
    }
    svg.dataset.edgeNumbers = display.edges;
    svg.dataset.neuronNumbers = display.neurons;
    layoutEdgeLabels();
  }

  /**
   * Each drawn hidden neuron's activation over the input plane (a predict `grid` answer for
   * 2-D data), as a small heatmap left of its circle; null removes them.
   */
  function setNeuronMaps(grid) {
    if (!geo) return;
    geo.gMaps.replaceChildren();
    geo.mapBoxes = [];
    geo.mapHrefs = new Map(); // "l-j" → data URL, for the enlarged map on hover
    if (!grid?.layers) return;
    const R = grid.axes.x1.length;
    const size = Math.max(10, Math.min(28, geo.spacing * 0.7));
    // Drawn beside the circles only where the columns leave room (a phone shows them in the
    // plots), but every shown neuron's map is kept for the enlarged view on hover or focus.
    const beside = geo.gap >= 2 * geo.r + size + 40;
    const canvas = document.createElement("canvas");
    for (let l = 1; l < geo.L; l++) {
      const layer = grid.layers.find((ly) => ly.index === l);
      if (!layer) continue;
      for (const j of geo.shown[l]) {
        paintGrid(canvas, R, activationColours(layer, j));
        const href = canvas.toDataURL();
        geo.mapHrefs.set(`${l}-${j}`, href);
        if (!beside) continue;
        const p = geo.pos[l][j];
        const box = { x1: p.x - geo.r - 6 - size, x2: p.x - geo.r - 6, y1: p.y - size / 2, y2: p.y + size / 2 };
        el(
          "image",
          { href, x: box.x1, y: box.y1, width: size, height: size, class: "neuron-map", "data-layer": l, "data-j": j, preserveAspectRatio: "none" },
          geo.gMaps,
        );
        geo.mapBoxes.push(box);
      }
    }
    layoutEdgeLabels();
  }

  /** Dashed ring: saturated sigmoid/tanh; dotted grey: dead ReLU (neuron-health.js). */
  function markHealth(health) {
    if (!geo) return;
    for (let l = 1; l <= geo.L; l++) {
      geo.neurons[l].forEach((n, j) => {
        const h = health?.[l - 1]?.[j] ?? null;
        n.g.classList.toggle("saturated", h === "saturated");
        n.g.classList.toggle("dead", h === "dead");
        n.g.dataset.neuronHealth = h ?? "";
        const base = n.g.getAttribute("aria-label").replace(/ \((saturated|dead ReLU)\)$/, "");
        n.g.setAttribute("aria-label", h ? `${base} (${h === "dead" ? "dead ReLU" : "saturated"})` : base);
      });
    }
  }

  function markSelected(target) {
    svg.querySelectorAll(".selected").forEach((n) => n.classList.remove("selected"));
    selected = target;
    if (!target || !geo) return;
    if (target.kind === "neuron") geo.neurons[target.layer]?.[target.j]?.g.classList.add("selected");
    else if (target.kind === "bias") geo.neurons[target.layer]?.[target.j]?.bias?.g.classList.add("selected");
    else if (target.kind === "edge") geo.edges[target.layer - 1]?.[target.j]?.[target.i]?.line.classList.add("selected");
  }

  const animation = createAnimation({
    svg,
    emit,
    get geo() {
      return geo;
    },
    setActivations,
    setZ,
    setDeltas,
    setEdgeGrads,
    setOutputs,
    setLoss,
    paintEdge,
    paintBias,
    setParams,
  });

  /** Paint a whole finished trace at once (after a page reload or a redraw). */
  function showTrace(trace, row = 0) {
    setDeltas(null);
    setEdgeGrads(null);
    setOutputs(null, null);
    setLoss(trace?.loss ? trace.loss.loss : null);
    if (!trace?.forward) {
      setActivations(null, -1);
      setZ(null, 0);
      return;
    }
    const f = trace.forward;
    setActivations([f.inputs[row], ...f.layers.map((ly) => ly.a[row])]);
    setZ([null, ...f.layers.map((ly) => ly.z[row])], geo.L);
    setOutputs(f.output[row], trace.loss ? trace.loss.targets[row] : null);
    if (trace.backward && !trace.update) {
      const deltas = [null];
      for (const ly of trace.backward.layers) deltas[ly.index] = ly.dL_dz[row];
      setDeltas(deltas, 1);
      setEdgeGrads(trace.backward.layers.map((ly) => ly.dL_dW), 1);
    }
  }

  return {
    build,
    setParams,
    showTrace,
    select: markSelected,
    /** Lay the drawing out again for a new width (a resize), keeping what it shows. */
    relayout() {
      if (!lastBuild) return;
      build(lastBuild);
      onExpand?.();
    },
    setStale,
    setNeuronMaps,
    showNumbers,
    markHealth,
    forwardStages: animation.forwardStages,
    lossStages: animation.lossStages,
    backwardStages: animation.backwardStages,
    updateStages: animation.updateStages,
  };
}
