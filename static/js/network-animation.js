// The drawing's phase animations as animator stages: forward pulses, the loss ring, backward
// gradient pulses output → input, and the update's morph from old to new weights. The pulses
// are drawn on the canvas over the drawing (pulse-layer.js).

import { GRAD } from "./palette.js";
import { lerp, maxAbs } from "./svg.js";

const VALUE = "#2b3445"; // forward value pulses

/** `view`: the drawing's svg, emit, live `geo` layout, its pulse layer and its painting functions. */
export function createAnimation(view) {
  function pulses(l, direction, sizeOf, colour) {
    // One dot per edge of layer l, travelling forward (l-1 → l) or backward (l → l-1).
    const dots = [];
    for (const j of view.geo.shown[l]) {
      for (const i of view.geo.shown[l - 1]) {
        const r = sizeOf(j, i);
        if (r <= 0) continue;
        const c = view.geo.edges[l - 1][j][i].coords;
        const [x0, y0, x1, y1] = direction > 0 ? [c.x1, c.y1, c.x2, c.y2] : [c.x2, c.y2, c.x1, c.y1];
        dots.push({ x0, y0, x1, y1, r });
      }
    }
    return view.pulseLayer.dots(dots, colour);
  }

  const mark = (phase, layer) => {
    view.svg.dataset.animPhase = phase;
    view.svg.dataset.animLayer = layer ?? "";
    view.emit?.({ phase, layer });
  };
  const done = (phase) => () => {
    view.svg.dataset.animPhase = `${phase}-done`;
    view.svg.dataset.animLayer = "";
    view.emit?.({ phase, layer: null, done: true });
  };

  /** Forward: values travel input → output, one layer per stage. `row` = sample row. */
  function forwardStages(fwd, row = 0) {
    const acts = [fwd.inputs[row], ...fwd.layers.map((ly) => ly.a[row])];
    const zs = [null, ...fwd.layers.map((ly) => ly.z[row])];
    const stages = [
      {
        duration: 250,
        start() {
          mark("forward", 0);
          view.setDeltas(null);
          view.setEdgeGrads(null);
          view.setOutputs(null, null);
          view.setLoss(null);
          view.setActivations(acts, 0);
          view.setZ(null, 0);
        },
      },
    ];
    for (let l = 1; l <= view.geo.L; l++) {
      let p = null;
      stages.push({
        duration: 650,
        start() {
          mark("forward", l);
          p = pulses(l, 1, (j, i) => 2 + 3 * Math.min(1, Math.abs(acts[l - 1][i])), VALUE);
        },
        frame: (t) => p?.frame(t),
        end() {
          p?.remove();
          view.setActivations(acts, l);
          view.setZ(zs, l);
        },
      });
    }
    stages.push({ duration: 0, start: done("forward"), end() { view.setOutputs(acts[view.geo.L], null); } });
    return stages;
  }

  function lossStages(lossTrace, row = 0) {
    const out = view.geo.neurons[view.geo.L].filter(Boolean);
    return [
      {
        duration: 550,
        start() {
          mark("loss", view.geo.L);
          view.setOutputs(lossTrace.output[row], lossTrace.targets[row]);
          view.setLoss(lossTrace.loss, lossTrace.batch_size);
        },
        frame(t) {
          for (const n of out) {
            n.ring.setAttribute("stroke-opacity", (0.7 * Math.sin(Math.PI * t)).toFixed(2));
            n.ring.setAttribute("stroke-width", 2 + 4 * t);
          }
        },
        end() {
          for (const n of out) n.ring.setAttribute("stroke-opacity", 0);
          done("loss")();
        },
      },
    ];
  }

  /** Backward: gradient pulses output → input, layer L first; dot size ∝ |∂L/∂w|. */
  function backwardStages(back, row = 0) {
    const deltas = [null];
    const grads = [];
    for (const ly of back.layers) {
      deltas[ly.index] = ly.dL_dz[row];
      grads[ly.index - 1] = ly.dL_dW;
    }
    const scale = Math.max(1e-12, ...grads.map((m) => maxAbs(m)));
    const stages = [
      {
        duration: 300,
        start() {
          mark("backward", view.geo.L + 1);
          view.setEdgeGrads(null);
          view.setDeltas(deltas, view.geo.L);
        },
      },
    ];
    for (let l = view.geo.L; l >= 1; l--) {
      let p = null;
      stages.push({
        duration: 750,
        start() {
          mark("backward", l);
          p = pulses(l, -1, (j, i) => 2 + 6 * Math.min(1, Math.abs(grads[l - 1][j][i]) / scale), GRAD);
        },
        frame: (t) => p?.frame(t),
        end() {
          p?.remove();
          view.setEdgeGrads(grads, l, scale);
          if (l > 1) view.setDeltas(deltas, l - 1);
        },
      });
    }
    stages.push({ duration: 0, start: done("backward") });
    return stages;
  }

  /** Update: each edge and bias morphs from its old to its new value. */
  function updateStages(upd) {
    const Wold = upd.layers.map((ly) => ly.W_old);
    const Wnew = upd.layers.map((ly) => ly.W_new);
    const bold = upd.layers.map((ly) => ly.b_old);
    const bnew = upd.layers.map((ly) => ly.b_new);
    const scale = Math.max(1e-9, ...Wold.map(maxAbs), ...Wnew.map(maxAbs), ...bold.map((v) => maxAbs([v])));
    return [
      {
        duration: 900,
        start() {
          mark("update", null);
        },
        frame(t) {
          for (let l = 1; l <= view.geo.L; l++) {
            for (const j of view.geo.shown[l]) {
              for (const i of view.geo.shown[l - 1]) {
                view.paintEdge(l, j, i, lerp(Wold[l - 1][j][i], Wnew[l - 1][j][i], t), scale);
                const e = view.geo.edges[l - 1][j][i];
                const o = Number(e.glowLine.getAttribute("stroke-opacity")) || 0;
                if (o > 0) e.glowLine.setAttribute("stroke-opacity", (o * (1 - t * 0.15)).toFixed(3));
              }
              view.paintBias(l, j, lerp(bold[l - 1][j], bnew[l - 1][j], t), scale);
            }
          }
        },
        end() {
          view.setParams(Wnew, bnew);
          view.setEdgeGrads(null);
          done("update")();
        },
      },
    ];
  }

  return { forwardStages, lossStages, backwardStages, updateStages };
}
