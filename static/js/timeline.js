// The timeline scrubber: every kept snapshot on one range. Moving it previews that moment — its
// weights on the drawing, its decision boundary, both the server's numbers — and changes nothing
// on the server; "Rewind here" restores it for good after saying what it drops. The preview is
// the store's `snapshotPreview`: the page draws it instead of the network as it is (context.js
// `drawn`), which the store keeps unchanged meanwhile.

import * as api from "./api.js";
import { $, animator, emit, form, store } from "./context.js";
import { bold, number, setCaption } from "./captions.js";
import { clearErrors, detailOf, setError, status } from "./messages.js";
import { fmt } from "./format.js";
import { plotGrid, refreshHistory, refreshPlots } from "./refresh.js";
import { setupFromNetwork } from "./setup.js";
import { toHash } from "./url-state.js";
import { momentName, networkMoment, snapshotMoment } from "./moments.js";

const PLAY_REFRESH_MS = 500; // while Play trains: the list is fetched at most twice a second
const MAX_TICKS = 60; // epoch tick marks under the range, when there are not more than this

let kept = []; // the server's snapshot list, oldest first
let keptFor = null; // the id of the network `kept` belongs to
let keptAt = null; // the network's step when `kept` was listed
let points = []; // the range's positions: one snapshot per step before now, then null = now
let generation = 0; // bumped whenever a preview in flight must not land
let seen = null; // the network object the list was last refreshed for
let stopPlaying = async () => {}; // main.js passes Play's (wireTimeline)

const panel = () => $("[data-timeline]");
const range = () => $("[data-timeline-range]");
const nowNetwork = () => store.get().network;
/** The previewed snapshot's answers ({snapshot, network, drops, grid, …}), else null. */
const shown = () => store.get().snapshotPreview;

// --- labels --------------------------------------------------------------------------------

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "epoch 3" or "step 17": how the learner names a snapshot. */
function nameOf(s) {
  if (s.kind === "epoch") return s.epoch === 0 && s.step === 0 ? "the start (epoch 0)" : `epoch ${s.epoch}`;
  return `step ${s.step}`;
}

/** The settings a snapshot was made with, as the form names them: "η 0.1". */
const settingsText = (s) => (s?.settings ? `η ${fmt(s.settings.learning_rate)}` : "");

function labelOf(s) {
  if (!s) {
    const n = nowNetwork();
    return n ? `now · ${momentName(networkMoment(n))} · η ${fmt(n.learning_rate)}` : "now";
  }
  const where = momentName(snapshotMoment(s));
  const eta = settingsText(s);
  if (s.train_loss === null) return `${where} · ${eta ? `${eta} · ` : ""}no loss yet`;
  return `${where} · ${eta ? `${eta} · ` : ""}${s.kind === "epoch" ? "training" : "batch"} loss ${fmt(s.train_loss)}`;
}

/** A snapshot's settings as the form names them, key by key. */
const SETTING_WORDS = [
  ["η", (x) => fmt(x.learning_rate)],
  ["batch size", (x) => String(x.batch_size)],
  ["optimizer", (x) => x.optimizer.name],
  ["regularization", (x) => (x.regularization.kind === "none" ? "none" : `${x.regularization.kind.toUpperCase()} (λ ${fmt(x.regularization.rate)})`)],
  ["loss", (x) => x.loss.replace(/_/g, " ")],
  ["activations", (x) => x.activations.join(", ")],
];

/** The first change of settings the original run made after snapshot `s`, in words
 * ("η 0.1 → 0.5 by epoch 21"), or "" when every later snapshot ran with s's settings. */
function laterChange(s) {
  if (!s.settings) return "";
  for (const k of kept) {
    if (k.step <= s.step || !k.settings) continue;
    const changed = SETTING_WORDS.filter(([, say]) => say(k.settings) !== say(s.settings));
    if (changed.length) {
      const words = changed.map(([name, say]) => `${name} ${say(s.settings)} → ${say(k.settings)}`).join(", ");
      return `${words} by ${momentName(snapshotMoment(k))}`;
    }
  }
  return "";
}

/** "37 updates and 3 epochs", or "nothing" when the snapshot is the state as it is. */
function dropsText({ updates, epochs }) {
  const parts = [];
  if (updates > 0) parts.push(plural(updates, "update"));
  if (epochs > 0) parts.push(plural(epochs, "epoch"));
  return parts.length ? parts.join(" and ") : "nothing";
}

// --- the list ------------------------------------------------------------------------------

/** One position per step before now (an epoch snapshot names a step that has both), then now. */
function positionsOf(list, network) {
  const byStep = new Map();
  for (const s of list) {
    if (s.step >= network.step) continue; // the newest one is the state as it is: "now"
    const had = byStep.get(s.step);
    if (!had || s.kind === "epoch") byStep.set(s.step, s);
  }
  return [...[...byStep.values()].sort((a, b) => a.step - b.step), null];
}

const sameSnapshot = (a, b) => a && b && a.kind === b.kind && a.step === b.step;

function render() {
  const input = range();
  const network = nowNetwork();
  points = network ? positionsOf(kept, network) : [null];
  // Where the learner has moved the scrubber to: a point still to be fetched (keys pressed
  // faster than previews land) wins over the one shown, so the range does not jump back.
  const target = wanted ?? shown()?.snapshot;
  const at = target ? points.findIndex((p) => sameSnapshot(p, target)) : -1;
  input.max = String(points.length - 1);
  input.value = String(at >= 0 ? at : points.length - 1);
  input.disabled = points.length < 2;
  const here = points[Number(input.value)];
  const label = labelOf(here);
  $("[data-timeline-label]").textContent = label;
  input.setAttribute("aria-valuetext", label);
  const epochs = points.flatMap((p, i) => (p?.kind === "epoch" ? [i] : []));
  $("[data-timeline-ticks]").replaceChildren(
    ...(epochs.length <= MAX_TICKS ? epochs : []).map((i) => Object.assign(document.createElement("option"), { value: String(i) })),
  );
  // The earlier points (the last one is now): the epochs' ends and the updates between them.
  const steps = points.slice(0, -1).filter((p) => p?.kind === "step").length;
  $("[data-timeline-hint]").textContent =
    points.length < 2
      ? store.get().tourLock
        ? "Each epoch and each update leaves a point here to come back to, once the lesson's steps make one."
        : "Each epoch and each update leaves a point here to come back to: press Step or Epoch first."
      : `${plural(points.length - 1, "earlier point")} kept (every epoch, and the last ${plural(steps, "update")}). ` +
        "Drag or use ← → to look back; the drawing and the decision boundary show that moment. Nothing changes until you rewind.";
  renderBanner();
  const node = panel();
  node.dataset.nowStep = String(network?.step ?? "");
  node.dataset.listedStep = String(keptAt ?? ""); // the points are the list as of this step
  node.dataset.points = String(points.length);
}

function renderBanner() {
  const banner = $("[data-timeline-banner]");
  const previewing = Boolean(shown());
  banner.hidden = !previewing;
  panel().classList.toggle("previewing", previewing);
  panel().dataset.state = previewing ? "preview" : "now";
  panel().dataset.previewStep = previewing ? String(shown().snapshot.step) : "";
  document.querySelector(".panel.drawing")?.classList.toggle("previewing", previewing);
  document.querySelector("[data-boundary-section]")?.classList.toggle("previewing", previewing);
  if (!previewing) return;
  const s = shown().snapshot;
  const now = nowNetwork();
  $("[data-timeline-banner-text]").replaceChildren(
    Object.assign(document.createElement("strong"), { textContent: `Previewing ${nameOf(s)}` }),
    document.createTextNode(
      ` — ${momentName(snapshotMoment(s))}` +
        `${s.train_loss === null ? "" : `, ${s.kind === "epoch" ? "training" : "batch"} loss ${fmt(s.train_loss)}`}` +
        `${s.settings ? `, made with η = ${fmt(s.settings.learning_rate)} (${s.settings.optimizer.name}, batch size ${s.settings.batch_size})` : ""}. ` +
        `The network itself is still at ${momentName(networkMoment(now))}.`,
    ),
  );
}

let refreshing = null;
let again = false;
let timer = 0;
let lastFetch = -Infinity;

/** Fetch the snapshot list again (now, or within half a second while Play trains). */
function scheduleRefresh() {
  if (timer) return;
  const wait = store.get().playing ? Math.max(0, lastFetch + PLAY_REFRESH_MS - performance.now()) : 0;
  timer = setTimeout(() => {
    timer = 0;
    refreshTimeline();
  }, wait);
}

/** The kept snapshots, as the server lists them; the range follows. */
export async function refreshTimeline() {
  if (refreshing) {
    again = true;
    return refreshing;
  }
  const network = nowNetwork();
  if (!network) return;
  lastFetch = performance.now();
  refreshing = (async () => {
    try {
      const answer = await api.snapshots(network.id);
      if (nowNetwork()?.id !== network.id) return;
      [kept, keptAt] = [answer.snapshots, network.step];
      render();
      clearErrors("timeline");
    } catch (err) {
      setError("timeline", detailOf(err));
    } finally {
      refreshing = null;
      if (again) {
        again = false;
        scheduleRefresh();
      }
    }
  })();
  return refreshing;
}

// --- preview -------------------------------------------------------------------------------

/** Show snapshot `s` on the drawing and the boundary plot; the server is not changed. */
async function preview(s) {
  const mine = ++generation;
  if (store.get().playing) await stopPlaying(); // Play would redraw the network under the preview
  animator.skip();
  const network = nowNetwork();
  const { data } = store.get();
  if (!network || mine !== generation) return;
  const at = s.kind === "epoch" ? { epoch: s.epoch } : { step: s.step };
  panel().dataset.loading = "true";
  try {
    const [answer, grid] = await Promise.all([
      api.previewSnapshot(network.id, s.kind, s.kind === "epoch" ? s.epoch : s.step),
      data ? plotGrid(network, data, { snapshot: at }) : null,
    ]);
    if (mine !== generation) return;
    clearErrors("timeline");
    const snap = answer.snapshot;
    const cursor = answer.network.cursor;
    const fraction = cursor.n_train ? cursor.position / cursor.n_train : 0; // into the next epoch
    store.set({
      snapshotPreview: {
        ...answer,
        grid,
        mark: { epoch: snap.epoch + fraction, step: snap.step },
        caption: [
          bold(`Previewing ${nameOf(snap)}`),
          `: the weights and biases after update ${snap.step}, and the decision boundary they drew then. `,
          "Click an edge to read a weight of that moment; Rewind here goes back to it for good, Back to now (Esc) returns.",
        ],
      },
    });
    render();
    emit({ phase: "preview", step: s.step, kind: s.kind });
  } catch (err) {
    if (mine !== generation) return;
    if (err instanceof api.ApiError && err.code === "snapshot_not_kept" && keptAt !== network.step) {
      // Listed before the last updates, the point has since been let go (the last updates are kept).
      setError("timeline", `The point at ${nameOf(s)} is no longer kept (only the last updates are): the list is up to date again.`);
      await refreshTimeline();
    } else setError("timeline", detailOf(err));
  } finally {
    if (mine === generation) delete panel().dataset.loading;
  }
}

let wanted = null; // the snapshot the scrubber points at, not yet asked for
let pumping = false;

/** Preview what the scrubber points at, one request pair at a time: dragging or holding an
 * arrow key asks for the latest point once the previous one has landed, not for every one. */
async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (wanted) {
      const s = wanted;
      wanted = null;
      await preview(s);
    }
  } finally {
    pumping = false;
  }
}

/** Leave the preview: the drawing and the plots show the network as it is again. */
export function leavePreview() {
  wanted = null;
  generation += 1;
  delete panel()?.dataset.loading;
  if (!shown()) return;
  store.set({ snapshotPreview: null });
  render();
}

/** Another part of the page changed the network (a step, a PATCH, a build): the preview is over. */
function onStoreChange(s, keys) {
  if (keys.has("tourLock") && !keys.has("network")) render(); // its hint names locked buttons or not
  // The drawing repaints by setting the same object again (a resize, a layer expanded).
  if (!keys.has("network") || s.network === seen) return;
  seen = s.network;
  if (s.snapshotPreview) leavePreview();
  if (s.network && s.network.id !== keptFor) [kept, keptFor, keptAt] = [[], s.network.id, null];
  render();
  scheduleRefresh();
}

// --- rewind --------------------------------------------------------------------------------

function askRewind() {
  const preview = shown();
  if (!preview) return;
  const s = preview.snapshot;
  $("[data-rewind-title]").textContent = `Rewind to ${nameOf(s)}?`;
  $("[data-rewind-text]").textContent =
    `Rewinding drops ${dropsText(preview.drops)} after this point: their weights, losses and snapshots are gone for good. ` +
    `The network goes back to ${momentName(snapshotMoment(s))}, with the settings, optimizer state and data order of that moment, ` +
    (laterChange(s)
      ? `but the original run changed its settings afterwards (${laterChange(s)}): training on from there repeats it only if you make the same change at the same point.`
      : "so training on from there repeats the same run.");
  const dialog = $("[data-rewind-dialog]");
  dialog.showModal();
  $("[data-action=rewind-cancel]").focus(); // the safe choice is the default one
}

async function rewindHere() {
  const dialog = $("[data-rewind-dialog]");
  if (dialog.open) dialog.close();
  const preview = shown();
  if (!preview) return;
  const s = preview.snapshot;
  const changed = laterChange(s); // read before the rewind drops the later snapshots
  const point = s.kind === "epoch" ? { epoch: s.epoch } : { step: s.step };
  try {
    const network = await api.rewind(nowNetwork().id, point);
    generation += 1;
    const { setup, shape, selection } = store.get();
    const described = setup ? (setupFromNetwork(network, setup) ?? setup) : null;
    if (described) form.config?.render(described, shape);
    seen = network; // the list is refreshed below
    store.set({
      snapshotPreview: null, network, trace: null, history: [], steps: [], neuronHealth: null, gradcheck: null, selection,
      ...(described ? { setup: described, built: structuredClone(described) } : {}),
    });
    // A lesson's tour owns the URL's hash; on the main page the link names the network.
    if (described && !document.body.dataset.lesson) history.replaceState(null, "", toHash(described, network.id, store.get().sharing?.share));
    clearErrors("timeline", "phase");
    await Promise.all([refreshHistory(), refreshPlots(), refreshTimeline()]);
    status(`Rewound · ${momentName(networkMoment(network))}`);
    setCaption([
      bold(`Rewound to ${nameOf(s)}`), `: the network is back at ${momentName(networkMoment(network))}, with η = ${fmt(network.learning_rate)}`,
      ...(s.train_loss === null ? [] : [" (loss ", number(s.train_loss), ")"]),
      changed
        ? `. The original run changed ${changed}: Step, Epoch or Play from here with these settings take another path.`
        : ". Step, Epoch or Play from here repeat the original run exactly; change η or the optimizer first to try another path.",
    ]);
    emit({ phase: "rewind", step: network.step, epoch: network.epoch });
  } catch (err) {
    setError("timeline", detailOf(err));
  }
}

// --- wiring --------------------------------------------------------------------------------

/** `stopPlay()`: ask a running Play to stop; settles once its last request landed. */
export function wireTimeline({ stopPlay }) {
  stopPlaying = stopPlay;
  store.subscribe(onStoreChange);
  const input = range();
  input.addEventListener("input", () => {
    const s = points[Number(input.value)];
    const label = labelOf(s);
    $("[data-timeline-label]").textContent = label;
    input.setAttribute("aria-valuetext", label);
    if (s) {
      wanted = s;
      pump();
    } else leavePreview();
  });
  input.addEventListener("keydown", (evt) => {
    // Enter on the range asks to rewind to the point it shows (the dialog confirms first).
    if (evt.key === "Enter" && shown()) {
      evt.preventDefault();
      askRewind();
    }
  });
  document.addEventListener("keydown", (evt) => {
    // Escape leaves the preview, wherever the focus is — except in the dialog, where it cancels.
    if (evt.key === "Escape" && shown() && !evt.target.closest?.("dialog")) leavePreview();
  });
  $("[data-action=back-to-now]").addEventListener("click", leavePreview);
  $("[data-action=rewind-here]").addEventListener("click", askRewind);
  $("[data-action=rewind-cancel]").addEventListener("click", () => $("[data-rewind-dialog]").close());
  $("[data-action=rewind-confirm]").addEventListener("click", rewindHere);
  render();
}
