// Play and Pause: whole epochs train on the server in short streamed calls, redrawn between them.

import * as api from "./api.js";
import { $, animator, store } from "./context.js";
import { bold, number, setCaption } from "./captions.js";
import { detailOf, setError, status } from "./messages.js";
import { fmt } from "./format.js";
import { nextChunk } from "./play-pace.js";
import { refreshHistory, refreshNetwork, refreshPlots } from "./refresh.js";
import { leavePreview } from "./timeline.js";

let running = Promise.resolve(); // the running Play, settled once its last request landed
/** The running Play's promise: settles once its last request has landed. */
export const playLoop = () => running;

/** The early_stopping body for train when the box is ticked, else null. */
function earlyStopping() {
  if (!$("[data-early]").checked) return null;
  const input = $("[data-patience]");
  const patience = Math.round(Number(input.value));
  const ok = Number.isFinite(patience) && patience >= 1;
  input.classList.toggle("invalid", !ok);
  const p = ok ? Math.min(patience, 1000) : 10;
  const monitor = store.get().network?.cursor?.n_validation > 0 ? "validation" : "training";
  return { patience: p, min_delta: 0, monitor };
}

let arrived = []; // epochs streamed in since the last redraw
let lastFlush = 0;
const FLUSH_EVERY_MS = 100; // the loss plots redraw ten times a second, not on every frame

function flushEpochs() {
  if (!arrived.length) return;
  lastFlush = performance.now();
  const entries = arrived;
  arrived = [];
  const last = entries[entries.length - 1];
  status(`Playing · epoch ${last.epoch} · loss ${fmt(last.train_loss)}`, true); // once a frame, not once an epoch
  store.set({ history: [...store.get().history, ...entries] });
}

async function play() {
  const { network, catalog } = store.get();
  if (!network || store.get().playing) return;
  animator.skip();
  store.set({ playing: true, trace: null });
  setCaption([bold("Playing"), ": whole epochs run on the server; the plots and the drawing update as they finish. Press Pause (Space) to stop."]);
  let chunk = 1;
  let failed = false;
  const early = earlyStopping();
  // Play trains in short calls to redraw between them: each call sends on the server's
  // early-stopping count from the one before and is no longer than the patience left, so Play
  // stops at the epoch one long call would.
  let count = { best: null, waited: 0 };
  let stoppedAt = null;
  let diverged = null;
  try {
    while (store.get().playing) {
      const t0 = performance.now();
      const limit = early ? Math.min(catalog.limits.max_epochs, early.patience - count.waited) : catalog.limits.max_epochs;
      const done = await api.trainStream(
        network.id,
        { epochs: Math.min(chunk, limit), ...(early ? { early_stopping: { patience: early.patience, min_delta: early.min_delta, ...count } } : {}) },
        (entry) => {
          // Epochs can arrive faster than frames: the plots redraw at most once per frame.
          arrived.push(entry);
          if (arrived.length === 1) {
            const wait = FLUSH_EVERY_MS - (performance.now() - lastFlush);
            if (wait <= 0) requestAnimationFrame(flushEpochs);
            else setTimeout(() => requestAnimationFrame(flushEpochs), wait);
          }
        },
      );
      flushEpochs();
      if (done?.network) store.set({ network: done.network });
      if (done?.early_stopping) count = done.early_stopping;
      // The per-update losses of this call too, not only the epochs: the step plot keeps up.
      await Promise.all([refreshPlots(), refreshHistory().catch(() => {})]);
      chunk = nextChunk(performance.now() - t0, done?.epochs_run ?? chunk);
      if (done?.diverged) {
        diverged = done.diverged; // the run stopped at the refused update
        break;
      }
      if (done?.stopped_early) {
        stoppedAt = store.get().network.epoch;
        break;
      }
    }
  } catch (err) {
    if (err.name !== "AbortError") {
      setError("phase", detailOf(err));
      failed = true;
    }
  } finally {
    store.set({ playing: false });
    await refreshNetwork().catch(() => {});
    await Promise.all([refreshHistory().catch(() => {}), refreshPlots().catch(() => {})]);
    const last = store.get().history.at(-1);
    status(stoppedAt !== null ? `Stopped early at epoch ${stoppedAt}` : `Paused · epoch ${store.get().network?.epoch ?? 0}`);
    if (diverged) {
      status(`Diverged at epoch ${diverged.epoch}`);
      setCaption([
        bold(`Diverged at epoch ${diverged.epoch}`),
        `: ${diverged.detail}. The loss plot shows the climb; the epochs before it are kept and the weights are the last finite ones. Lower the learning rate η and press Play to go on.`,
      ]);
      return;
    }
    setCaption([
      ...(stoppedAt !== null
        ? [bold(`Stopped early at epoch ${stoppedAt}`), ` (no better ${early.monitor} loss for ${early.patience} epochs)`]
        : [bold(failed ? "Stopped" : "Paused"), ` after epoch ${store.get().network?.epoch ?? 0}`]),
      ...(last ? [": training loss ", number(last.train_loss), ...(last.val_loss !== null ? [", validation loss ", number(last.val_loss)] : [])] : []),
      ". Press Forward (F) to step through a sample with the trained weights, or Play (Space) to continue.",
    ]);
  }
}

/** Ask a running Play to stop; the promise settles once its last request has landed. */
export function stopPlaying() {
  if (store.get().playing) {
    store.set({ playing: false });
    const { network } = store.get();
    if (network) api.stopTraining(network.id).catch(() => {});
  }
  return running;
}

export function togglePlay() {
  leavePreview(); // Play trains the network as it is: the drawing shows it again first
  if (store.get().playing) stopPlaying();
  // A paused run may still be finishing its epoch on the server: start the next one only once
  // it has landed (the server answers 409 to a train on a network that is training).
  else running = running.then(play);
}
