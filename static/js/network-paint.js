// Painting the drawing from the API's numbers (one sample row): weights and biases, a, z, δ,
// ∂L/∂W glow, ŷ and y, the loss, the numbers written on edges and neurons, neuron health.
// `state.geo` is the layout (network-layout.js); `state.scale` the data's target scale
// ({target_mean, target_std} or null) for ŷ and y in the data's units.

import { GRAD, diverging, signColour } from "./palette.js";
import { fmt, full } from "./format.js";
import { lerp, maxAbs, setText } from "./svg.js";
import { EDGE_LABEL_PX, fitLabel, labelFractions, overlaps, textWidth } from "./network-layout.js";
import { fmtCompact, fmtUnits, unitValue } from "./units.js";

/**
 * Set an attribute only when its value changes: Play repaints the weights twice a second and
 * most edges keep their colour, width and opacity; an unchanged write still invalidates style.
 */
function setAttr(node, name, value) {
  const v = String(value);
  if (node.getAttribute(name) !== v) node.setAttribute(name, v);
}

/** The quantity written on the edges and in the neurons: `display` as chosen, where "auto"
 * follows the step — ∂L/∂w and δ once Backward has run (until Update), else w and a. */
export function resolveDisplay(display, trace) {
  const backward = Boolean(trace?.backward && !trace?.update);
  return {
    edges: display.edges === "auto" ? (backward ? "dL_dW" : "w") : display.edges,
    neurons: display.neurons === "auto" ? (backward ? "delta" : "a") : display.neurons,
  };
}

/** The shortest of 4, 3 or 2 significant digits that fits `room` px at `size` px (else 2). */
export function fitNumber(x, room, size = 11) {
  const full = fmt(x);
  if (textWidth(full, size) <= room || !Number.isFinite(x) || x === 0) return full;
  for (const digits of [3, 2]) {
    const ax = Math.abs(x);
    const text =
      ax >= 1e5 || ax < 1e-3
        ? x.toExponential(digits - 1).replace(/\.?0+e/, "e").replace("e+", "e").replace("e-", "e\u2212")
        : String(Number(x.toPrecision(digits)));
    const shown = text.replace(/^-/, "\u2212");
    if (textWidth(shown, size) <= room || digits === 2) return shown;
  }
  return full;
}

export function createPainter(svg, state) {
  /** A neuron's number, fitted inside its circle; the output of a network on standardized
   * targets is ŷ, written in the data's units. */
  function neuronText(l, j, v, quantity = "a") {
    const room = 2 * state.geo.r - 2;
    if (quantity === "a" && l === state.geo.L && state.scale) return fmtCompact(unitValue(v, j, state.scale));
    return fitNumber(v, room);
  }

  /** Write an edge line's attribute when it differs from what this painter last wrote there
   * (only paintEdge writes these: no DOM read needed to compare). */
  function putEdge(e, name, value) {
    e.written ??= {};
    if (e.written[name] === value) return;
    e.written[name] = value;
    e.line.setAttribute(name, value);
  }

  function paintEdge(l, j, i, w, scale) {
    const e = state.geo.edges[l - 1][j][i];
    if (e.w !== w || e.scale !== scale) {
      const t = Math.min(1, Math.abs(w) / scale);
      putEdge(e, "stroke", signColour(w));
      // In quarter pixels: a width change re-lays the line out (its stroke bounds), and during
      // Play most weights move by less than that between two redraws.
      putEdge(e, "stroke-width", (Math.round((0.6 + 6.4 * t) * 4) / 4).toFixed(2));
      putEdge(e, "stroke-opacity", (0.35 + 0.55 * t).toFixed(2));
      putEdge(e, "data-w", full(w)); // the exact number drawn, for tests and the curious
      e.scale = scale;
    }
    e.w = w;
    if (e.label) {
      setText(e.label, fmt(w));
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
    const r = state.geo.r;
    state.geo.pos.forEach((layer, l) =>
      layer.forEach((p, j) => {
        taken.push({ x1: p.x - r, x2: p.x + r, y1: p.y - r, y2: p.y + r });
        const n = state.geo.neurons[l][j];
        if (n.bias) {
          const x = Number(n.bias.rect.getAttribute("x"));
          const y = Number(n.bias.rect.getAttribute("y"));
          const s = Number(n.bias.rect.getAttribute("width"));
          taken.push({ x1: x, x2: x + s, y1: y, y2: y + s });
          if (n.bias.text) {
            const tx = Number(n.bias.text.getAttribute("x"));
            const ty = Number(n.bias.text.getAttribute("y"));
            taken.push({ x1: tx - textWidth(n.bias.text.textContent, 11) - 1, x2: tx + 1, y1: ty - 10, y2: ty + 3 });
          }
        }
        // The line under a neuron ("z …" or "δ …") changes with each phase: keep room for it.
        if (n.detail) taken.push({ x1: p.x - 32, x2: p.x + 32, y1: p.y + r + 4, y2: p.y + r + 16 });
      }),
    );
    taken.push(...state.geo.mapBoxes);
    const labels = state.geo.edges.flat(2).filter((e) => e.label);
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
        setAttr(e.label, "x", spot.x.toFixed(1));
        setAttr(e.label, "y", spot.y.toFixed(1));
        e.label.removeAttribute("visibility");
        taken.push(spot.box);
      } else {
        setAttr(e.label, "visibility", "hidden");
      }
    }
  }

  function paintBias(l, j, v, scale) {
    const n = state.geo.neurons[l][j];
    // A square root keeps small biases visible next to the weights' scale.
    setAttr(n.bias.rect, "fill", diverging(Math.sign(v) * Math.sqrt(Math.abs(v) / scale), 1));
    setAttr(n.bias.rect, "stroke", v === 0 ? "#6b7383" : signColour(v));
    setAttr(n.bias.rect, "data-b", full(v));
    if (n.bias.text) n.bias.text.textContent = `b ${fmt(v)}`;
  }

  function setParams(weights, biases) {
    const wScale = Math.max(1e-9, ...weights.map((m) => maxAbs(m)), ...biases.map((v) => maxAbs([v])));
    for (let l = 1; l <= state.geo.L; l++) {
      for (const j of state.geo.shown[l]) {
        for (const i of state.geo.shown[l - 1]) paintEdge(l, j, i, weights[l - 1][j][i], wScale);
        paintBias(l, j, biases[l - 1][j], wScale);
      }
    }
    layoutEdgeLabels();
  }

  function setNeuronValue(l, j, a, scale) {
    const n = state.geo.neurons[l][j];
    if (a === null || a === undefined) {
      setAttr(n.body, "fill", "#fff");
      setText(n.value, "");
      n.g.dataset.a = "";
      return;
    }
    const t = Math.min(1, Math.abs(a) / scale);
    setAttr(n.body, "fill", diverging(a, scale));
    setText(n.value, state.geo.showValues ? neuronText(l, j, a) : "");
    setAttr(n.value, "fill", t > 0.6 ? "#fff" : "#1d2330");
    n.g.dataset.a = full(a);
  }

  /** Show activations a[l] (l = 0..L, one sample row) for layers 0..upTo. */
  function setActivations(acts, upTo = state.geo.L) {
    for (let l = 0; l <= state.geo.L; l++) {
      const row = l <= upTo ? acts?.[l] : null;
      const scale = row ? Math.max(1, maxAbs([row])) : 1;
      for (const j of state.geo.shown[l]) setNeuronValue(l, j, row ? row[j] : null, scale);
      if (l === 0) {
        state.geo.side.inputs.forEach((s, j) => {
          // The circle already shows the value when there is room for it.
          // "x1 = 0.5" where it fits, else the name alone (the value shows on hover).
          if (!s.shown) return;
          const withValue = row && !state.geo.showValues ? `${s.name} = ${fmt(row[j])}` : s.name;
          if (!fitLabel(s.t, withValue, state.geo.side.room) && withValue !== s.name) fitLabel(s.t, s.name, state.geo.side.room);
        });
      }
    }
  }

  /** The loss of the step under the output column (null clears), over a batch of `batch`. */
  function setLoss(value, batch = 1) {
    state.geo.side.loss.dataset.value = value ?? "";
    state.geo.side.loss.dataset.batch = String(batch ?? 1);
    writeLoss(false);
  }

  /**
   * "L = 0.3" under the output, with a line for each note: "(mean of 20 samples)" when the step
   * took a batch (the ŷ and y beside it are one sample's), "(standardized)" when the targets
   * were scaled, "(before the update)" once Update has run; pulled left where a line would run
   * past the drawing's right edge.
   */
  function writeLoss(stale) {
    const loss = state.geo?.side.loss;
    if (!loss) return;
    // Unchanged text keeps its place: measuring it again would lay the page out mid-update.
    const batch = Number(loss.dataset.batch ?? 1);
    const key = `${loss.dataset.value}|${batch}|${stale}|${Boolean(state.scale)}`;
    if (loss.dataset.written === key) return;
    loss.dataset.written = key;
    loss.dataset.x ??= loss.getAttribute("x");
    loss.setAttribute("x", loss.dataset.x);
    loss.removeAttribute("text-anchor");
    if (loss.dataset.value === "") {
      loss.textContent = "";
      return;
    }
    loss.textContent = `L = ${fmt(Number(loss.dataset.value))}`;
    const notes = [
      ...(batch > 1 ? [`(mean of ${batch} samples)`] : []),
      ...(state.scale ? ["(standardized)"] : []),
      ...(stale ? ["(before the update)"] : []),
    ];
    const lines = notes.map((text) => {
      const note = document.createElementNS(svg.namespaceURI, "tspan");
      note.setAttribute("x", loss.dataset.x);
      note.setAttribute("dy", "1.2em");
      note.textContent = text;
      loss.appendChild(note);
      return note;
    });
    const right = svg.viewBox.baseVal.width - 4;
    if (loss.isConnected && loss.getBBox().x + loss.getBBox().width > right) {
      for (const node of [loss, ...lines]) node.setAttribute("x", String(right));
      loss.setAttribute("text-anchor", "end");
    }
  }

  /**
   * After Update the drawn ŷ, L and activations were computed with the weights before it:
   * grey them and say so, while the edges already show the new weights.
   */
  function setStale(stale) {
    svg.dataset.stale = String(stale);
    writeLoss(stale);
  }

  function setOutputs(yhat, y) {
    state.geo.side.outputs.forEach((s, j) => {
      // In the data's units where the targets were standardized (units.js).
      const shown = (v) => fmtUnits(unitValue(v, j, state.scale));
      setText(s.t, yhat ? `ŷ${state.geo.sizes[state.geo.L] > 1 ? ` ${s.name}` : ""} = ${shown(yhat[j])}` : state.geo.sizes[state.geo.L] > 1 ? `ŷ ${s.name}` : "ŷ");
      setText(s.t2, y ? `y = ${shown(y[j])}` : "");
    });
  }

  /** δ = ∂L/∂z per layer (one sample row) for layers from..L; null clears. */
  function setDeltas(deltas, from = 1) {
    const all = deltas ? deltas.filter(Boolean) : [];
    const scale = Math.max(1e-12, maxAbs(all));
    for (let l = 1; l <= state.geo.L; l++) {
      const row = deltas && l >= from ? deltas[l] : null;
      for (const j of state.geo.shown[l]) {
        const n = state.geo.neurons[l][j];
        if (!row) {
          setAttr(n.ring, "stroke-opacity", 0);
          if (n.detail) n.detail.textContent = "";
          continue;
        }
        const t = Math.min(1, Math.abs(row[j]) / scale);
        setAttr(n.ring, "stroke-width", (1 + 5 * t).toFixed(2));
        setAttr(n.ring, "stroke-opacity", (0.25 + 0.6 * t).toFixed(2));
        if (n.detail) {
          setText(n.detail, `δ ${fmt(row[j])}`);
          n.detail.style.fill = GRAD;
        }
      }
    }
  }

  function setZ(zs, upTo) {
    if (!state.geo.showDetails) return;
    for (let l = 1; l <= state.geo.L; l++) {
      for (const j of state.geo.shown[l]) {
        const n = state.geo.neurons[l][j];
        if (n.detail) {
          setText(n.detail, zs && l <= upTo ? `z ${fmt(zs[l][j])}` : "");
          n.detail.style.fill = "#5d6677";
        }
      }
    }
  }

  /** Gradient glow on the edges of layers from..L (∂L/∂W); null clears. */
  function setEdgeGrads(grads, from = 1, scale = null) {
    const s = scale ?? Math.max(1e-12, ...(grads || []).filter(Boolean).map((m) => maxAbs(m)));
    for (let l = 1; l <= state.geo.L; l++) {
      for (const j of state.geo.shown[l]) {
        for (const i of state.geo.shown[l - 1]) {
          const e = state.geo.edges[l - 1][j][i];
          const g = grads && l >= from ? grads[l - 1]?.[j][i] : null;
          if (g === null || g === undefined) {
            setAttr(e.glowLine, "stroke-opacity", 0);
            continue;
          }
          const t = Math.min(1, Math.abs(g) / s);
          setAttr(e.glowLine, "stroke-width", (2 + 12 * t).toFixed(2));
          setAttr(e.glowLine, "stroke-opacity", (0.08 + 0.4 * t).toFixed(2));
        }
      }
    }
  }

  /**
   * The numbers written on the drawing where there is room (hover shows them everywhere):
   * `display.edges` "w", "dL_dW" or "step"; `display.neurons` "a", "z" or "delta".
   * A quantity the step has not computed yet leaves its label empty.
   */
  function showNumbers(chosen, trace, row = 0) {
    if (!state.geo) return;
    const display = resolveDisplay(chosen, trace);
    const f = trace?.forward;
    const back = trace?.backward;
    const upd = trace?.update;
    const ofLayer = (phase, l) => phase?.layers.find((ly) => ly.index === l);
    for (let l = 1; l <= state.geo.L; l++) {
      const edgeSource =
        display.edges === "dL_dW" ? (ofLayer(back, l) ?? ofLayer(upd, l))?.dL_dW : display.edges === "step" ? ofLayer(upd, l)?.step_W : null;
      state.geo.edges[l - 1].forEach((rowOfEdges, j) =>
        rowOfEdges.forEach((e, i) => {
          if (!e.label) return;
          const v = display.edges === "w" ? e.w : edgeSource?.[j][i];
          setText(e.label, v === undefined || v === null ? "" : fmt(v));
          e.label.style.fill = display.edges === "w" ? signColour(e.w) : GRAD;
        }),
      );
      if (!state.geo.showValues) continue;
      const quantity = display.neurons;
      const values = quantity === "a" ? ofLayer(f, l)?.a[row] : quantity === "z" ? ofLayer(f, l)?.z[row] : ofLayer(back, l)?.dL_dz[row];
      const scale = values ? Math.max(1, maxAbs([values])) : 1;
      state.geo.neurons[l].forEach((n, j) => {
        n.g.dataset.shows = values ? quantity : "";
        // a fills the circle with its colour (white text on a dark fill); z and δ are read on white.
        if (quantity === "a") return setNeuronValue(l, j, values ? values[j] : null, scale);
        setText(n.value, values ? neuronText(l, j, values[j], quantity) : "");
        setAttr(n.value, "fill", "#1d2330");
      });
    }
    svg.dataset.edgeNumbers = display.edges;
    svg.dataset.neuronNumbers = display.neurons;
    layoutEdgeLabels();
  }

  /** Dashed ring: saturated sigmoid/tanh; dotted grey: dead ReLU (neuron-health.js). */
  function markHealth(health) {
    if (!state.geo) return;
    for (let l = 1; l <= state.geo.L; l++) {
      state.geo.neurons[l].forEach((n, j) => {
        const h = health?.[l - 1]?.[j] ?? null;
        n.g.classList.toggle("saturated", h === "saturated");
        n.g.classList.toggle("dead", h === "dead");
        n.g.dataset.neuronHealth = h ?? "";
        const base = n.g.getAttribute("aria-label").replace(/ \((saturated|dead ReLU)\)$/, "");
        setAttr(n.g, "aria-label", h ? `${base} (${h === "dead" ? "dead ReLU" : "saturated"})` : base);
      });
    }
  }

  return {
    paintEdge, layoutEdgeLabels, paintBias, setParams, setActivations, setLoss, setStale,
    setOutputs, setDeltas, setZ, setEdgeGrads, showNumbers, markHealth,
  };
}
