// The network drawing's layout: columns, neurons, edges, bias squares, titles and side labels
// as SVG nodes, with the geometry (`geo`) the painting and the animation use.
// Layer l = 0..L (0 = inputs). Edge (l, j, i) carries W[l][j][i]: from neuron i of layer l-1
// into neuron j of layer l, as in the API.

import { GRAD, activationColour } from "./palette.js";
import { NS, el, lerp } from "./svg.js";
import { biasName, columnName, edgeWords, neuronWords, weightName } from "./names.js";

const VW_MAX = 760; // the drawing's width in SVG units; narrower screens get 1:1 text
const VW_MIN = 330;
const COLLAPSE_OVER = 16; // a layer wider than this shows its first and last SHOW_ENDS neurons
const SHOW_ENDS = 8;
const VH_MAX = 560;
// Fitted to the window, a drawing keeps its neurons at least this far apart (r = 6): a network
// that needs more room is drawn at that spacing, and the page scrolls to its foot.
const MIN_SPACING = 20;

// Advance widths (em) of the characters fmt() produces, in DejaVu Sans / system-ui; the
// label layout needs them before the text is rendered.
const CHAR_EM = { ".": 0.32, "−": 0.84, "-": 0.36, e: 0.62, " ": 0.32, b: 0.64, "∞": 0.83 };
export const textWidth = (text, size) => [...text].reduce((w, ch) => w + (CHAR_EM[ch] ?? 0.64) * size, 0);
const SIDE_LABEL_PX = 11; // font size of the feature and output names (app.css .side-label)
export const EDGE_LABEL_PX = 11;
const SHORT_ACTIVATION = { sigmoid: "σ", tanh: "tanh", relu: "ReLU", leaky_relu: "lReLU", linear: "lin", softmax: "smax" };
const BIAS_TARGET = 24; // SVG units: a 24 px touch target where the drawing is drawn 1:1 (a phone)

/**
 * Write `text` into an SVG text, shortened with "…" to `room` px; the full text goes in a
 * <title>. True when it fitted whole.
 */
export function fitLabel(node, text, room) {
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
export const overlaps = (a, b) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
/** Fractions along an edge to try, nearest the preferred one first, away from the ends. */
export function labelFractions(pref) {
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

/** "⋮ 48 more · show all" in the gap of a collapsed layer, or "show 16 of 64" under an expanded one
 * (`name`: the layer's column title, "Input", "Hidden 1"…). */
function layerToggle(l, name, n, x, y, parent, room, open) {
  const t = el(
    "text",
    { x, y: open ? y : y + 4, "text-anchor": "middle", class: "layer-toggle halo", tabindex: 0, role: "button", "data-expand-layer": l },
    parent,
  );
  const more = `⋮ ${n - 2 * SHOW_ENDS} more`;
  t.textContent = open ? `show ${2 * SHOW_ENDS} of ${n}` : textWidth(more, 11) * 1.15 <= room ? more : `⋮ +${n - 2 * SHOW_ENDS}`;
  t.setAttribute("aria-label", open ? `Collapse ${name} to ${2 * SHOW_ENDS} neurons` : `Show all ${n} neurons of ${name}`);
  t.setAttribute("aria-expanded", String(open));
}


/**
 * The drawing's height VH in SVG units: the network's own (84 units a row, within 300..VH_MAX),
 * lowered where the box would be taller than `room` CSS px, to what fits (its rows never closer
 * than MIN_SPACING). `scale` is CSS px per unit at the box's width; `cap` the box's CSS max-height.
 */
export function fittedHeight(natural, rows, margins, { room, scale, cap }) {
  if (Math.min(natural * scale, cap) <= room) return natural;
  const floor = Math.min(natural, margins + rows * MIN_SPACING);
  return Math.max(floor, Math.floor(room / scale));
}

/**
 * Build the SVG for an architecture (sizes = [n0, ..., nL]) and return its layout: where each
 * neuron, edge and label is. `expanded` holds the layers drawn in full although wider than
 * COLLAPSE_OVER. `room`: the CSS px of height the drawing may take (Infinity: its own height).
 */
export function buildDrawing(svg, args, expanded, room = Infinity) {
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
  const natural = Math.max(300, Math.min(VH_MAX, top + bottom + maxN * 84));
  const VW = Math.round(Math.max(VW_MIN, Math.min(VW_MAX, svg.clientWidth || VW_MAX)));
  // A deep or wide network is drawn shorter where its own height would run past the window.
  const cap = parseFloat(getComputedStyle(svg).maxHeight) || Infinity; // "none": no cap
  const VH = fittedHeight(natural, maxN, top + bottom, { room, scale: (svg.clientWidth || VW) / VW, cap });
  svg.setAttribute("viewBox", `0 0 ${VW} ${VH}`);
  // Narrower than VW_MAX the box is VH tall (app.css): the page is served with the first
  // network's own height (app/page_layout.py, data-height) so the drawing does not grow when it
  // is built; once built, the box is as tall as the drawing, fitted or not (--drawing-h).
  svg.dataset.height = String(natural);
  svg.style.setProperty("--drawing-h", `${VH}px`);
  const spacing = Math.min(84, (VH - top - bottom) / maxN);
  // Margins fit the feature names on the left and "ŷ name = value" on the right.
  const narrow = VW < 560;
  const longest = (names, n) => Math.max(2, ...Array.from({ length: n }, (_, j) => (names?.[j] ?? "x1").length));
  // Room for the circle's radius plus the label: names are shortened to fit (fitLabel).
  // Where the circles are too small for numbers, the input names carry " = value" (≈ 62 px).
  const margins = (radius) => {
    const valueRoom = radius >= 16 || narrow ? 0 : 62;
    const left = Math.round(radius + 16 + Math.max(30, Math.min(narrow ? 50 : 120, 7.5 * longest(featureNames, sizes[0]) + valueRoom)));
    const right = Math.round(radius + 16 + Math.min(narrow ? 82 : 160, 80 + 7.5 * (sizes[L] > 1 ? longest(targetNames, sizes[L]) + 1 : 0)));
    return { left, right, gap: (VW - left - right) / Math.max(1, L) };
  };
  // The circles take 0.3 of a row, and 16 (room for a number) where a third of the row allows;
  // at most 0.4 of the space between columns, so many layers on a phone do not overlap.
  let r = Math.max(4, Math.min(22, spacing * 0.3 >= 16 || spacing < 48 ? spacing * 0.3 : 16));
  for (let pass = 0; pass < 2; pass++) r = Math.max(4, Math.min(r, 0.4 * margins(r).gap));
  const { left, right, gap } = margins(r);
  const pos = sizes.map(() => []);
  shown.forEach((list, l) =>
    list.forEach((j, k) => {
      const slot = k < SHOW_ENDS || list.length === sizes[l] ? k : k + 1;
      pos[l][j] = { x: left + l * gap, y: top + (VH - top - bottom) / 2 + (slot - (slots[l] - 1) / 2) * spacing };
    }),
  );
  const edgesPerLayer = shown.slice(1).map((list, l) => list.length * shown[l].length);
  const geo = {
    sizes,
    shown,
    L,
    r,
    pos,
    activations,
    showValues: r >= 16, // room for an 11 px number inside the circle
    showDetails: r >= 16 && maxN <= 4 && gap >= 110, // a z or δ line under each neuron
    // Every layer with room gets labels; layoutEdgeLabels hides those that would overlap.
    showEdgeLabels: edgesPerLayer.map((n) => r >= 14 && n <= 24 && gap >= 110),
    nodes: {},
    spacing,
    gap,
    mapBoxes: [], // where the per-neuron heatmaps sit: edge labels keep clear of them
  };

  const defs = el("defs", {}, svg);
  const glow = el("filter", { id: "soft", x: "-50%", y: "-50%", width: "200%", height: "200%" }, defs);
  el("feGaussianBlur", { stdDeviation: "2" }, glow);

  const gTitles = el("g", { class: "titles" }, svg);
  const gMaps = el("g", { class: "neuron-maps" }, svg); // under the edges: their ends stay in view
  const gGlow = el("g", { class: "grad-glows" }, svg);
  const gEdges = el("g", { class: "edges" }, svg);
  const gLabels = el("g", { class: "edge-labels" }, svg);
  const gNeurons = el("g", { class: "neurons" }, svg);
  // Numbers written in and beside the neurons and biases: outside their buttons, whose names
  // do not change with them (the tooltip and the inspector say the numbers).
  const gNumbers = el("g", { class: "neuron-numbers", "aria-hidden": "true" }, svg);
  // The biases' click targets, above the edges' (an edge into a neuron passes by its bias
  // square): a tap on the square selects the bias. Keyboard focus stays on the squares.
  const gBiasTargets = el("g", { class: "bias-targets", "aria-hidden": "true" }, svg);
  const gSide = el("g", { class: "side" }, svg);
  const gChain = el("g", { class: "chain" }, svg); // the selected weight's chain rule (chain-path.js)
  const gToggles = el("g", { class: "toggles" }, svg); // on top: nothing covers them
  geo.gMaps = gMaps;
  geo.gChain = gChain;

  // Titles fit the space between columns: "Hidden 1 (64)", else "H1 (64)"; "sigmoid", else "σ".
  const fits = (text) => textWidth(text, 12) * 1.12 <= gap - 8;
  sizes.forEach((n, l) => {
    const x = left + l * gap;
    const count = n > COLLAPSE_OVER ? ` (${n})` : "";
    const long = `${columnName(l, L)}${count}`;
    const whole = fits(long) || L === 0;
    // A title cut short ("H1") says its whole name on hover, as an SVG <title> beside it.
    const holder = whole ? gTitles : el("g", {}, gTitles);
    if (!whole) el("title", {}, holder).textContent = long;
    const t = el("text", { x, y: 16, "text-anchor": "middle", class: whole ? "layer-title" : "layer-title short", "data-layer-title": l }, holder);
    t.textContent = whole ? long : `${l === 0 ? "In" : l === L ? "Out" : `H${l}`}${count}`;
    if (l > 0) {
      const a = el("text", { x, y: 31, "text-anchor": "middle", class: "layer-title" }, gTitles);
      const act = activations[l - 1];
      a.textContent = fits(act) ? act : (SHORT_ACTIVATION[act] ?? act.slice(0, 4));
      a.style.fill = activationColour(act);
    }
    if (n > COLLAPSE_OVER) layerToggle(l, columnName(l, L), n, x, expanded.has(l) ? VH - 5 : pos[l][shown[l][SHOW_ENDS - 1]].y + spacing, gToggles, gap - 8, expanded.has(l));
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
        hit.setAttribute("aria-label", `weight ${weightName(sizes, l, j, i)} ${edgeWords(l, L, j, i)}`);
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
              "data-layer": l,
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
      g.setAttribute("aria-label", neuronWords(l, L, j));
      const ring = el("circle", { cx: x, cy: y, r: r + 3, fill: "none", stroke: GRAD, "stroke-opacity": 0 }, g);
      const body = el("circle", { cx: x, cy: y, r, class: "body", fill: "#fff", stroke: activationColour(act) }, g);
      const value = el(
        "text",
        {
          x,
          y: y + 0.35 * 11,
          "text-anchor": "middle",
          "font-size": 11,
          class: "neuron-value",
          "data-layer": l,
          "data-j": j,
        },
        gNumbers,
      );
      let detail = null;
      if (geo.showDetails && l > 0) {
        detail = el("text", { x, y: y + r + 13, "text-anchor": "middle", "font-size": 11, class: "halo neuron-detail", "data-layer": l, "data-j": j }, gNumbers);
      }
      let bias = null;
      if (l > 0) {
        const s = Math.max(5, Math.min(16, r * 0.75)); // a comfortable target: 16 px where there is room
        const bg = el(
          "g",
          { class: "bias", "data-kind": "bias", "data-layer": l, "data-j": j, tabindex: 0, role: "button" },
          gNeurons,
        );
        bg.setAttribute("aria-label", `bias ${biasName(sizes, l, j)} of ${neuronWords(l, L, j)}`);
        const rect = el("rect", { x: x - r - s * 0.35, y: y - r - s * 0.65, width: s, height: s, rx: 1.5 }, bg);
        // The square may be small on a crowded layer; its target is at least BIAS_TARGET wide, and
        // as tall where the rows leave room: it stays clear of the centres of its neuron and of
        // the neuron above, which keep their clicks (rows 20 apart still give it 16).
        const pad = Math.max(0, (BIAS_TARGET - s) / 2);
        const tall = Math.min(s + 2 * pad, spacing - 4);
        const top = Math.max(y - spacing + 2, Math.min(y - r - s * 0.65 - (tall - s) / 2, y - 2 - tall));
        el(
          "rect",
          { x: x - r - s * 0.35 - pad, y: top, width: s + 2 * pad, height: tall, class: "bias-hit", "data-kind": "bias", "data-layer": l, "data-j": j },
          gBiasTargets,
        );
        let text = null;
        if (geo.showDetails) {
          text = el("text", { x: x - r - s * 0.5, y: y - r - s * 0.8, "text-anchor": "end", "font-size": 11, class: "halo bias-value", "data-layer": l, "data-j": j }, gNumbers);
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
  return geo;
}
