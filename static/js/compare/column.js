// One column of the compare page: a network's header, its Step / Epoch / Play, and its
// decision boundary or fit. The column holds what the server said; the page draws the rest.

import * as api from "../api.js";
import { showNumber } from "../format.js";
import { detailOf } from "../messages.js";
import { GRID_RESOLUTION, PLAY_GRID_RESOLUTION, nextChunk } from "../play-pace.js";
import { at } from "../root.js";
import { drawBoundary, drawCurve, drawParity } from "../plots.js";


function el(tag, className = "", text = "") {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/**
 * A column for network `id`, drawn as `key` ("A"…) in `colour`. `onChange(column)` runs after
 * every answer that changes what the page shows; `onRemove(column)` when its × is pressed.
 */
export function createColumn({ key, colour, id, onChange, onRemove }) {
  const c = {
    key, colour, id,
    network: null, data: null, history: [], steps: [], grid: null,
    grads: null, // {label, norms}: the last backward's per-layer ‖∂L/∂W‖ (Step) or the last epoch's mean
    playing: false, // Play is on (Pause turns it off at once)
    looping: false, // a Play's requests are still landing (until its last refresh)
    busy: false, problem: "", loaded: false,
  };
  let running = Promise.resolve();

  // The view.
  const root = el("article", "panel compare-column");
  root.dataset.column = key;
  root.dataset.networkId = id;
  root.style.borderTopColor = colour;
  const head = el("header", "column-head");
  const badge = el("span", "badge", key);
  badge.style.background = colour;
  const title = el("h2", "column-title", "Loading…");
  const open = el("a", "column-open", "open in explorer");
  open.href = at(`/#net=${encodeURIComponent(id)}`);
  const remove = el("button", "column-remove", "×");
  remove.type = "button";
  remove.setAttribute("aria-label", `Remove column ${key} (the network stays on the server)`);
  remove.title = "Remove this column (the network stays on the server)";
  remove.addEventListener("click", () => onRemove(c));
  head.append(badge, title, open, remove);
  const differs = el("dl", "differs");
  differs.dataset.differs = "";
  const counters = el("p", "counters");
  counters.dataset.counters = "";
  const actions = el("div", "column-actions");
  const stepButton = el("button", "", "Step");
  const epochButton = el("button", "", "Epoch");
  const playButton = el("button", "", "Play");
  for (const [b, name, title_] of [
    [stepButton, "Step", "All four phases on the next batch"],
    [epochButton, "Epoch", "Finish the current epoch"],
    [playButton, "Play", "Train epoch after epoch until paused"],
  ]) {
    b.type = "button";
    b.setAttribute("aria-label", `${name} ${key}`);
    b.title = title_;
    actions.append(b);
  }
  playButton.setAttribute("aria-pressed", "false");
  const canvas = el("canvas", "boundary");
  canvas.width = 320;
  canvas.height = 240;
  canvas.dataset.plot = "boundary";
  canvas.setAttribute("aria-label", `Decision boundary or fit of network ${key}`);
  const plotTitle = el("p", "plot-legend boundary-title");
  const error = el("p", "error");
  error.setAttribute("role", "alert");
  error.dataset.columnError = "";
  root.append(head, differs, counters, actions, canvas, plotTitle, error);
  c.element = root;

  const changed = () => onChange(c);
  const fail = (err) => {
    error.textContent = detailOf(err);
  };

  /** Counters and buttons from the state (the header's differences are the page's). */
  c.render = () => {
    root.dataset.playing = String(c.playing);
    root.dataset.busy = String(c.busy);
    root.dataset.settled = String(!c.busy && !c.looping);
    playButton.textContent = c.playing ? "Pause" : "Play";
    playButton.setAttribute("aria-pressed", String(c.playing));
    playButton.setAttribute("aria-label", `${c.playing ? "Pause" : "Play"} ${key}`);
    const off = !c.network;
    playButton.disabled = off;
    stepButton.disabled = epochButton.disabled = off || c.busy || c.playing;
    if (!c.network) return;
    const n = c.network;
    title.textContent = `${n.layers.join("–")} · ${n.data?.generator?.replace(/_/g, " ") ?? "data"}`;
    const last = c.history.at(-1);
    counters.replaceChildren(`epoch ${n.epoch} · step ${n.step}`);
    if (last) {
      const loss = el("span", "num");
      showNumber(loss, last.train_loss);
      loss.dataset.trainLoss = "";
      // The last epoch's loss over the whole split: after a Step it is not the step's own.
      counters.append(` · epoch ${last.epoch}'s training loss `, loss);
      if (last.val_loss !== null) {
        const val = el("span", "num");
        showNumber(val, last.val_loss);
        val.dataset.valLoss = "";
        counters.append(" / validation ", val);
      }
    }
  };

  /** The header's setup fields; those in `differing` highlighted. */
  c.renderDifferences = (fields, differing) => {
    differs.replaceChildren();
    for (const f of fields) {
      if (!differing.has(f.key)) continue;
      const dt = el("dt", "", f.label);
      const dd = el("dd", "", f.text);
      dt.dataset.field = dd.dataset.field = f.key;
      differs.append(dt, dd);
    }
    // A list of term and description pairs even when nothing differs.
    if (!differs.children.length) differs.append(el("dt", "same", "setup"), el("dd", "same", "the same setup as the others"));
  };

  c.drawPlot = () => {
    if (!c.grid || !c.data) return;
    const validation = new Set(c.data.val_indices);
    if (c.grid.kind === "grid") {
      plotTitle.textContent = c.data.task === "regression" ? "Prediction over the input plane" : "Decision boundary";
      drawBoundary(canvas, c.grid, c.data, validation);
    } else if (c.grid.kind === "curve") {
      plotTitle.textContent = "Fitted curve";
      drawCurve(canvas, c.grid.xs, c.grid.ys, c.data, validation);
    } else {
      plotTitle.textContent = "Predicted vs actual";
      drawParity(canvas, c.grid.yhat, c.data);
    }
    canvas.dataset.epoch = String(c.network.epoch);
    canvas.dataset.step = String(c.network.step);
  };

  /** Boundary (2-D inputs), fitted curve (1-D) or predicted vs actual: the server's predict. */
  async function refreshPlot() {
    const { network, data } = c;
    const nIn = data.raw_inputs?.[0]?.length ?? network.layers[0];
    if (nIn === 2) {
      const grid = await api.predictGrid(network.id, c.playing ? PLAY_GRID_RESOLUTION : GRID_RESOLUTION);
      c.grid = { kind: "grid", ...grid };
    } else if (nIn === 1) {
      const xs = data.inputs.map((r) => r[0]);
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      const pad = (hi - lo || 1) * 0.05;
      const line = Array.from({ length: 120 }, (_, k) => lo - pad + ((hi - lo + 2 * pad) * k) / 119);
      const res = await api.predict(network.id, { inputs: line.map((x) => [x]) });
      c.grid = { kind: "curve", xs: line, ys: res.outputs.map((o) => o[0]) };
    } else {
      const res = await api.predict(network.id, { inputs: data.inputs });
      c.grid = { kind: "parity", yhat: res.outputs.map((o) => o[0]) };
    }
    c.drawPlot();
  }

  /** The epochs, and the update losses since the last we have. */
  async function refreshHistory() {
    const last = c.steps.at(-1)?.step;
    const since = last !== undefined && c.network.step >= last ? last : undefined;
    const h = await api.history(c.id, since);
    c.history = h.history;
    c.steps = since === undefined ? h.steps : c.steps.concat(h.steps);
  }

  async function refreshAll() {
    c.network = await api.getNetwork(c.id);
    await refreshHistory();
    await refreshPlot();
    c.render();
    changed();
  }

  c.load = async () => {
    try {
      c.network = await api.getNetwork(id);
    } catch (err) {
      c.problem =
        err instanceof api.ApiError && err.code === "network_not_found"
          ? `This server has no network ${id} you may open: it was deleted, it belongs to another browser (open this page there, or send its share link), or the link comes from another server.`
          : detailOf(err);
      root.classList.add("missing");
      title.textContent = "Not found";
      root.replaceChildren(head);
      remove.hidden = true;
      const p = el("p", "error", c.problem);
      p.dataset.columnProblem = "";
      const back = el("p", "hint");
      const a = el("a", "", "Back to the explorer");
      a.href = at("/");
      back.append(a, " to build a network, then use “Compare with a copy using …”.");
      root.append(p, back);
      open.hidden = true;
      changed();
      return;
    }
    try {
      c.data = await api.networkData(id);
      await refreshHistory();
      const last = c.history.at(-1);
      if (last) c.grads = { label: `epoch ${last.epoch} mean`, norms: last.grad_norms };
      await refreshPlot();
    } catch (err) {
      fail(err); // the header and the buttons still work; the column says what is missing
    }
    c.loaded = true;
    c.render();
    changed();
  };

  /** Run `work` with the column marked busy; an error lands in the column. */
  async function busy(work) {
    c.busy = true;
    error.textContent = "";
    c.render();
    changed();
    try {
      await work();
    } catch (err) {
      fail(err);
    } finally {
      c.busy = false;
      c.render();
      changed();
    }
  }

  c.step = () =>
    busy(async () => {
      const res = await api.phase(id, "step");
      c.grads = { label: `step ${res.update.step}`, norms: res.backward.layers.map((l) => l.grad_norm) };
      await refreshAll();
    });

  const divergedText = (d) => `Diverged at epoch ${d.epoch}: ${d.detail}. The epochs before it are kept; lower η to go on.`;

  c.epoch = () =>
    busy(async () => {
      const res = await api.epoch(id);
      if (res.summary) c.grads = { label: `epoch ${res.summary.epoch} mean`, norms: res.summary.grad_norms };
      await refreshAll();
      if (res.diverged) error.textContent = divergedText(res.diverged);
    });

  async function play() {
    if (!c.network || c.playing) return;
    c.playing = true;
    c.looping = true;
    error.textContent = "";
    c.render();
    changed();
    let chunk = 1;
    try {
      while (c.playing) {
        const t0 = performance.now();
        const done = await api.trainStream(id, { epochs: chunk }, () => {});
        const last = done?.history?.at(-1);
        if (last) c.grads = { label: `epoch ${last.epoch} mean`, norms: last.grad_norms };
        await refreshAll();
        chunk = nextChunk(performance.now() - t0, done?.epochs_run ?? chunk);
        if (done?.diverged) {
          error.textContent = divergedText(done.diverged);
          break;
        }
      }
    } catch (err) {
      if (err.name !== "AbortError") fail(err);
    } finally {
      c.playing = false;
      await refreshAll().catch(fail);
      c.looping = false;
      c.render();
      changed();
    }
  }

  /** Pause a running Play; settles once its last request has landed. */
  c.pause = () => {
    if (c.playing) {
      c.playing = false;
      c.render();
      api.stopTraining(id).catch(() => {});
    }
    return running;
  };
  c.play = () => {
    if (c.playing || !c.network) return running;
    // A paused run may still be finishing its epoch: start only once it has landed.
    running = running.then(play);
    return running;
  };
  c.togglePlay = () => (c.playing ? c.pause() : c.play());
  c.settled = () => running;

  stepButton.addEventListener("click", () => c.step());
  epochButton.addEventListener("click", () => c.epoch());
  playButton.addEventListener("click", () => c.togglePlay());
  c.render();
  return c;
}

/** The per-epoch or per-step loss series of a column for the overlay. */
export function lossSeries(c, axis) {
  if (axis === "step") return { key: c.key, colour: c.colour, train: c.steps.map((s) => [s.step, s.loss]), val: [] };
  return {
    key: c.key,
    colour: c.colour,
    train: c.history.map((e) => [e.epoch, e.train_loss]),
    val: c.history.filter((e) => e.val_loss !== null).map((e) => [e.epoch, e.val_loss]),
  };
}
