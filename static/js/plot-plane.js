// Plots over the input plane (x1, x2): the data's points, the decision boundary (or the
// prediction) as a heatmap under them, the hidden neurons' small maps, the dataset preview.

import { INK, MUTED, OKABE_ITO, classBlendRgb, divergingRgb, probabilityRgb, rgbCss } from "./palette.js";
import { activationColours, paintGrid } from "./grid-image.js";
import { hideMapZoom, showMapZoom } from "./map-zoom.js";
import { TRAIN, VAL, cssWidth, frame, message, niceTicks, prepare } from "./plot-frame.js";
import { fmt } from "./format.js";
import { layerName } from "./names.js";

export function pointColour(target, task) {
  if (task === "multiclass") {
    const k = target.indexOf(Math.max(...target));
    return OKABE_ITO[k % OKABE_ITO.length];
  }
  if (task === "binary") return target[0] > 0.5 ? TRAIN : VAL;
  return null;
}

/** The data's points in the plane the grid covers: the (x1, x2) points under engineered
 * features, else the rows the network sees (a standardized upload's grid is standardized too). */
const planeRows = (data) => (data.features ? data.raw_inputs : data.inputs);

export function drawPoints(ctx, data, X, Y, valSet, yScale, showValidation = true) {
  planeRows(data).forEach((x, s) => {
    if (!showValidation && valSet?.has(s)) return;
    const px = X(x[0]);
    const py = Y(x[1]);
    let colour = pointColour(data.targets[s], data.task);
    if (!colour) colour = rgbCss(divergingRgb(data.targets[s][0], yScale));
    ctx.beginPath();
    ctx.arc(px, py, 3.4, 0, 2 * Math.PI);
    if (valSet?.has(s)) {
      ctx.fillStyle = "#fff";
      ctx.fill();
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.stroke();
    } else {
      ctx.fillStyle = colour;
      ctx.fill();
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
  });
}

function gridImage(ctx, grid, colourAt, x0, y0, w, h) {
  const off = paintGrid(document.createElement("canvas"), grid.axes.x1.length, colourAt);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, x0, y0, w, h);
}

/** The output as a decision: 0/1 at 0.5, one-hot at the largest class, ±scale by sign. */
function discrete(o, task, yScale) {
  if (task === "binary") return [o[0] >= 0.5 ? 1 : 0];
  if (task === "multiclass") {
    const k = o.indexOf(Math.max(...o));
    return o.map((_, c) => (c === k ? 1 : 0));
  }
  return [o[0] >= 0 ? yScale : -yScale];
}

/**
 * Output heatmap over the grid, with the data on top (filled = train, ring = validation).
 * `showValidation` false hides the validation points; `discretize` colours the decision only.
 */
export function drawBoundary(canvas, grid, data, valSet, { showValidation = true, discretize = false } = {}) {
  const { ctx, w, h } = prepare(canvas);
  const R = grid.axes.x1.length;
  const task = data.task;
  const yScale = Math.max(1e-9, ...grid.outputs.map((o) => Math.abs(o[0])));
  const soften = (rgb) => rgb.map((c) => Math.round(c + (255 - c) * 0.25)); // points stay visible on top
  const colourAt = (p) => {
    const o = discretize ? discrete(grid.outputs[p], task, yScale) : grid.outputs[p];
    if (task === "multiclass") return soften(classBlendRgb(o));
    if (task === "binary") return soften(probabilityRgb(o[0]));
    return soften(divergingRgb(o[0], yScale));
  };
  // The plane in a frame: ticks of x1 under it, of x2 to its left (11 px text), names at the ends.
  const box = { l: 38, r: w - 6, t: 6, b: h - 30 };
  gridImage(ctx, grid, colourAt, box.l, box.t, box.r - box.l, box.b - box.t);
  const x0 = grid.axes.x1[0];
  const x1 = grid.axes.x1[R - 1];
  const y0 = grid.axes.x2[0];
  const y1 = grid.axes.x2[R - 1];
  const X = (x) => box.l + ((x - x0) / (x1 - x0)) * (box.r - box.l);
  const Y = (y) => box.b - ((y - y0) / (y1 - y0)) * (box.b - box.t);
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.l, box.t, box.r - box.l, box.b - box.t);
  ctx.clip();
  drawPoints(ctx, data, X, Y, valSet, yScale, showValidation);
  ctx.restore();
  ctx.strokeStyle = "#c9ced8";
  ctx.strokeRect(box.l + 0.5, box.t + 0.5, box.r - box.l - 1, box.b - box.t - 1);
  ctx.fillStyle = MUTED;
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  const xt = niceTicks(x0, x1, 4);
  const yt = niceTicks(y0, y1, 4);
  for (const v of xt) ctx.fillText(fmt(v), X(v), box.b + 13);
  ctx.textAlign = "right";
  for (const v of yt) ctx.fillText(fmt(v), box.l - 4, Y(v) + 4);
  canvas.dataset.ticks = `${xt.map(fmt).join(" ")} | ${yt.map(fmt).join(" ")}`;
  ctx.fillStyle = INK;
  ctx.textAlign = "right";
  ctx.fillText(`${data.feature_names?.[0] ?? "x1"} →`, box.r, h - 3);
  ctx.save();
  ctx.translate(11, box.t);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = "right";
  ctx.fillText(`${data.feature_names?.[1] ?? "x2"} →`, 0, 0);
  ctx.restore();
  canvas.dataset.state = "drawn";
  canvas.dataset.yScale = String(yScale);
  canvas.dataset.resolution = String(R);
  canvas.dataset.validationShown = String(showValidation);
  canvas.dataset.discretized = String(discretize);
}

// The maps are painted while they are on screen: Play redraws them twice
// a second, and a wide network has a hundred of them below the fold. A map scrolled into view,
// hovered or focused is painted first from the newest grid.
const mapState = new WeakMap(); // container → {visible, pending: grid to paint, or null}

function mapsOf(container) {
  let st = mapState.get(container);
  if (!st) {
    st = { visible: false, pending: null };
    mapState.set(container, st);
    new IntersectionObserver(
      ([entry]) => {
        st.visible = entry.isIntersecting;
        if (st.visible) paintPendingMaps(container);
      },
      { rootMargin: "0px" },
    ).observe(container);
  }
  return st;
}

function paintPendingMaps(container) {
  const st = mapsOf(container);
  const grid = st.pending;
  if (!grid) return;
  st.pending = null;
  const R = grid.axes.x1.length;
  const byName = new Map([...container.querySelectorAll("[data-neuron-map]")].map((c) => [c.dataset.neuronMap, c]));
  grid.layers.slice(0, -1).forEach((layer) => {
    for (let j = 0; j < layer.neurons; j++) paintGrid(byName.get(`${layer.index}-${j}`), R, activationColours(layer, j));
  });
  container.dataset.painted = String(Number(container.dataset.painted ?? 0) + 1);
}

/**
 * Small maps of every hidden neuron's activation over the grid. The canvases are kept and
 * repainted while the architecture stays (Play redraws them often).
 */
export function drawNeuronMaps(container, grid, activations) {
  const st = mapsOf(container);
  if (!grid?.layers) {
    st.pending = null;
    container.replaceChildren();
    container.dataset.key = "";
    return;
  }
  const hidden = grid.layers.slice(0, -1);
  const key = `${hidden.map((ly) => ly.neurons).join("-")}:${activations.join(",")}:${cssWidth(container)}`;
  if (container.dataset.key !== key) {
    container.replaceChildren();
    hidden.forEach((layer, k) => {
      const rowEl = document.createElement("div");
      rowEl.className = "map-row";
      const label = document.createElement("span");
      label.textContent = layerName(layer.index, grid.layers.length);
      rowEl.appendChild(label);
      const n = layer.neurons;
      // Every neuron: the maps shrink to 16 px and wrap onto more rows on wide layers.
      const size = Math.max(16, Math.min(30, Math.floor((cssWidth(container) - 64) / Math.min(n, 8)) - 3));
      for (let j = 0; j < n; j++) {
        const c = document.createElement("canvas");
        c.style.width = `${size}px`;
        c.style.height = `${size}px`;
        const label = `${layerName(layer.index, grid.layers.length)}, neuron ${j + 1} (${activations[k]}): its activation over the input plane (x1 →, x2 ↑)`;
        c.setAttribute("aria-label", label);
        c.setAttribute("role", "img");
        c.tabIndex = 0; // focus enlarges it, as hover does
        c.dataset.neuronMap = `${layer.index}-${j}`;
        const zoom = () => {
          paintPendingMaps(container);
          showMapZoom(c.toDataURL(), label, c.getBoundingClientRect());
        };
        c.addEventListener("mouseenter", zoom);
        c.addEventListener("focus", zoom);
        c.addEventListener("mouseleave", hideMapZoom);
        c.addEventListener("blur", hideMapZoom);
        rowEl.appendChild(c);
      }
      container.appendChild(rowEl);
    });
    container.dataset.key = key;
  }
  st.pending = grid;
  if (st.visible) paintPendingMaps(container);
}

/** Dataset preview: 2-D scatter coloured by class, or x vs y for 1-D regression. */
export function drawScatter(canvas, data) {
  const { ctx, w, h } = prepare(canvas);
  const nf = data.inputs[0]?.length ?? 0;
  const shown = nf > 2 ? `: the first 2 of its ${nf} features` : "";
  canvas.setAttribute("aria-label", `Scatter preview of the dataset${shown}`);
  if (!data.inputs.length) return message(canvas, "No data");
  if (nf === 1) {
    const xs = data.inputs.map((r) => r[0]);
    const ys = data.targets.map((r) => r[0]);
    const { X, Y } = frame(ctx, w, h, { xmin: Math.min(...xs), xmax: Math.max(...xs), ymin: Math.min(...ys), ymax: Math.max(...ys) });
    ctx.fillStyle = "rgba(33,102,172,.6)";
    xs.forEach((x, s) => {
      ctx.beginPath();
      ctx.arc(X(x), Y(ys[s]), 2.4, 0, 2 * Math.PI);
      ctx.fill();
    });
    return;
  }
  const xs = data.inputs.map((r) => r[0]);
  const ys = data.inputs.map((r) => r[1]);
  const padx = (Math.max(...xs) - Math.min(...xs) || 1) * 0.08;
  const pady = (Math.max(...ys) - Math.min(...ys) || 1) * 0.08;
  const { X, Y } = frame(ctx, w, h, { xmin: Math.min(...xs) - padx, xmax: Math.max(...xs) + padx, ymin: Math.min(...ys) - pady, ymax: Math.max(...ys) + pady });
  const yScale = Math.max(1e-9, ...data.targets.map((t) => Math.abs(t[0])));
  drawPoints(ctx, data, X, Y, null, yScale);
  if (nf > 2) {
    // Over the points' corner: on a backing of its own, so the points do not cross it out.
    const note = `first 2 of ${nf} features`;
    ctx.textAlign = "right";
    const width = ctx.measureText(note).width;
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(w - 10 - width, 3, width + 4, 14);
    ctx.fillStyle = MUTED;
    ctx.fillText(note, w - 8, 14);
  }
}
