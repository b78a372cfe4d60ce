// The compare page (/compare?ids=a,b[,c,d]): columns side by side, the loss curves overlaid,
// the gradient norms per layer as bars; Play all; "+ add a copy using …" up to four columns.

import * as api from "../api.js";
import { COLUMN_COLOURS } from "../palette.js";
import { showNumber } from "../format.js";
import { layerSlots } from "../names.js";
import { createColumn, lossSeries } from "./column.js";
import { compareSetups, describe } from "./differences.js";
import { drawGradBars, drawLossOverlay } from "./overlay.js";
import { createCopyControl } from "./copy-control.js";
import { makeCopy } from "./copy.js";

const $ = (selector) => document.querySelector(selector);
const LETTERS = ["A", "B", "C", "D"];
const limit = Number(document.body.dataset.limit) || 4;
const page = { catalog: null, columns: [], axis: "epoch", log: false, control: null };
// For the browser tests (and the curious): what the page holds and what it drew.
window.compareExplorer = { page, drawn: { loss: [], grads: [] } };

function status(text, busy = false) {
  const node = $("[data-status]");
  node.textContent = text;
  node.classList.toggle("busy", busy);
}

const loaded = () => page.columns.filter((c) => c.network);

/** Everything drawn from more than one column: differences, overlaid loss, gradient bars. */
function renderShared() {
  const columns = loaded();
  const { differing, same } = compareSetups(columns.map((c) => c.network));
  for (const c of columns) c.renderDifferences(describe(c.network), differing);
  const common = $("[data-common]");
  common.textContent = columns.length > 1 ? `The same in every column: ${same.map((f) => `${f.label} ${f.text}`).join(" · ")}` : "";

  const series = columns.map((c) => lossSeries(c, page.axis));
  drawLossOverlay($("[data-plot=compare-loss]"), series, page.axis === "step" ? "update step" : "epoch", { log: page.log });
  window.compareExplorer.drawn.loss = series;
  renderLossLegend(columns);

  const groups = columns.map((c) => ({ key: c.key, colour: c.colour, norms: c.grads?.norms ?? [] }));
  drawGradBars($("[data-plot=compare-grads]"), groups);
  window.compareExplorer.drawn.grads = groups;
  renderGradTable(columns);

  const playing = page.columns.some((c) => c.playing);
  const all = $("[data-action=play-all]");
  all.textContent = playing ? "Pause all" : "Play all";
  all.setAttribute("aria-pressed", String(playing));
  all.disabled = !columns.length;
  document.body.dataset.busy = String(page.columns.some((c) => c.busy));
  // Every answer has landed and been drawn (the browser tests wait for this).
  document.body.dataset.settled = String(page.columns.every((c) => !c.busy && !c.looping));
  document.body.dataset.playing = String(playing);
  fillBases();
  page.control?.refresh();
  $("[data-add-copy]").hidden = page.columns.length >= limit || !columns.length;
}

function swatch(colour, dashed = false) {
  const sw = document.createElement("span");
  sw.className = dashed ? "sw dashed" : "sw";
  sw.style.borderTopColor = colour;
  return sw;
}

function renderLossLegend(columns) {
  const legend = $("[data-loss-legend]");
  legend.replaceChildren();
  for (const c of columns) {
    const item = document.createElement("span");
    item.className = "legend-item";
    item.dataset.legend = c.key;
    item.append(swatch(c.colour), `${c.key}`);
    legend.append(item);
  }
  const key = document.createElement("span");
  key.className = "legend-key";
  key.append(swatch("#5d6677"), page.axis === "step" ? "loss of each update (training batch)" : "train", ...(page.axis === "step" ? [] : [swatch("#5d6677", true), "validation"]));
  legend.append(key);
}

/** The numbers behind the bars: a row per layer (Hidden 1, …, Output, as the bars name them), a
 * column per network (full precision on hover). */
function renderGradTable(columns) {
  const table = $("[data-grad-table]");
  table.replaceChildren();
  const withGrads = columns.filter((c) => c.grads?.norms?.length);
  if (!withGrads.length) return;
  const head = table.createTHead().insertRow();
  head.append(document.createElement("th"));
  for (const c of withGrads) {
    const th = document.createElement("th");
    th.append(swatch(c.colour), c.key);
    const small = document.createElement("small");
    small.textContent = ` ${c.grads.label}`;
    th.append(small);
    head.append(th);
  }
  const body = table.createTBody();
  for (const { name, at } of layerSlots(withGrads.map((c) => c.grads.norms.length))) {
    const row = body.insertRow();
    const th = document.createElement("th");
    th.textContent = name;
    row.append(th);
    for (const c of withGrads) {
      const td = row.insertCell();
      const l = at(c.grads.norms.length);
      if (l === null) continue;
      showNumber(td, c.grads.norms[l - 1]);
      td.dataset.gradNorm = `${c.key}-${l}`; // the API's layer index
    }
  }
}

let frame = 0;
/** Columns report often while playing: redraw the shared plots at most once per frame. */
function scheduleShared() {
  document.body.dataset.settled = "false"; // until the frame that draws this change
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    renderShared();
  });
}

function idsInUrl() {
  const url = new URL(location.href);
  url.search = `?ids=${page.columns.map((c) => encodeURIComponent(c.id)).join(",")}`;
  history.replaceState(null, "", url);
}

function addColumn(id) {
  const used = new Set(page.columns.map((c) => c.key));
  const k = LETTERS.findIndex((x) => !used.has(x));
  const column = createColumn({
    key: LETTERS[k],
    colour: COLUMN_COLOURS[k],
    id,
    onChange: scheduleShared,
    onRemove: removeColumn,
  });
  page.columns.push(column);
  page.columns.sort((a, b) => a.key.localeCompare(b.key));
  const host = $("[data-columns]");
  host.replaceChildren(...page.columns.map((c) => c.element));
  host.dataset.count = String(page.columns.length);
  relayout();
  return column;
}

/** The columns changed width (one added or removed, a resize): draw every plot at its new size.
 * Two frames on: the plots' widths are kept by a ResizeObserver (plot-frame.js), which hears of
 * the new layout after the first frame's callbacks have run. */
function relayout() {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      for (const c of page.columns) c.drawPlot();
      renderShared();
    }),
  );
}

async function removeColumn(column) {
  if (page.columns.length <= 2) {
    $("[data-error=compare]").textContent = "Side by side needs two columns: add another before removing this one.";
    return;
  }
  await column.pause();
  page.columns = page.columns.filter((c) => c !== column);
  column.element.remove();
  $("[data-columns]").dataset.count = String(page.columns.length);
  idsInUrl();
  relayout();
}

function playAll() {
  const playing = page.columns.some((c) => c.playing);
  for (const c of loaded()) {
    if (playing) c.pause();
    else c.play();
  }
}

/** Step or Epoch every column at once (each on its own network, in parallel). */
async function allColumns(action) {
  await Promise.all(loaded().filter((c) => !c.playing && !c.busy).map((c) => c[action]()));
}

function wireBar() {
  $("[data-action=play-all]").addEventListener("click", playAll);
  $("[data-action=step-all]").addEventListener("click", () => allColumns("step"));
  $("[data-action=epoch-all]").addEventListener("click", () => allColumns("epoch"));
  $("[data-loss-axis]").addEventListener("change", (evt) => {
    page.axis = evt.target.value;
    renderShared();
  });
  $("[data-loss-log]").addEventListener("change", (evt) => {
    page.log = evt.target.checked;
    renderShared();
  });
  const baseSelect = $("[data-copy-base]");
  const baseColumn = () => loaded().find((c) => c.key === baseSelect.value) ?? loaded()[0] ?? null;
  const slot = document.createElement("span");
  slot.className = "copy-control";
  $("[data-add-copy]").append(slot);
  page.control = createCopyControl(slot, {
    catalog: page.catalog,
    base: () => baseColumn()?.network ?? null,
    buttonText: "Add column",
    buttonLabel: "Add column with the copy",
    onSubmit: async (kind, value) => {
      const base = baseColumn();
      const error = $("[data-error=compare]");
      error.textContent = "";
      status("Building the copy…", true);
      try {
        await base.pause();
        const copy = await makeCopy(base.network, kind, value);
        const column = addColumn(copy.id);
        idsInUrl();
        await column.load();
        status("Ready");
      } catch (err) {
        error.textContent = err instanceof api.ApiError ? err.detail : err.message;
        status("The copy could not be built");
      }
    },
  });
  baseSelect.addEventListener("change", () => {
    baseSelect.dataset.picked = baseSelect.value;
    page.control.refresh();
  });
}

/** The add-a-copy control's list of columns to copy: the loaded ones. The first is offered
 * until the learner picks one (columns load in any order: B may be listed before A is). */
function fillBases() {
  const select = $("[data-copy-base]");
  const keys = loaded().map((c) => c.key);
  if (keys.join() === [...select.options].map((o) => o.value).join()) return;
  const picked = select.dataset.picked;
  select.replaceChildren(...keys.map((k) => new Option(k, k)));
  if (picked && keys.includes(picked)) select.value = picked;
}

async function start() {
  const ids = document.body.dataset.ids.split(",").filter(Boolean);
  status("Loading the networks…", true);
  try {
    page.catalog = await api.catalog();
  } catch (err) {
    status(`Cannot load the catalog: ${err.detail ?? err.message}`);
    return;
  }
  wireBar();
  for (const id of ids) addColumn(id);
  await Promise.all(page.columns.map((c) => c.load().catch((err) => (c.problem = err.message))));
  renderShared();
  const missing = page.columns.filter((c) => c.problem).length;
  status(missing ? `${missing} of ${ids.length} networks not found` : `Ready · ${ids.length} networks`);
  document.body.dataset.ready = "true";
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(relayout, 150);
  });
}

start();
