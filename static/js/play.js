// Play and Pause: whole epochs train on the server in short streamed calls, redrawn between them.

import * as api from "./api.js";
import { $, animator, store, switched } from "./context.js";
import { bold, number, setCaption } from "./captions.js";
import { detailOf, setError, status } from "./messages.js";
import { fmt } from "./format.js";
import { nextChunk, pacedChunk } from "./play-pace.js";
import { refreshHistory, refreshNetwork, refreshPlots } from "./refresh.js";
import { leavePreview } from "./timeline.js";
import { applyQueuedSettings } from "./live-settings.js";
import { adviceAfterTraining } from "./advice.js";

let running = Promise.resolve(); // the running Play, settled once its last request landed
/** The running Play's promise: settles once its last request has landed. */
export const playLoop = () => running;

/** What stops Play by itself: the patience rule when its box is ticked, 100 % training
 * accuracy when that box is (classification), both, or null. */
function earlyStopping() {
  const network = store.get().network;
  const accuracy = $("[data-stop-accuracy]").checked && network?.task !== "regression";
  if (!$("[data-early]").checked && !accuracy) return null;
  const input = $("[data-patience]");
  const patience = Math.round(Number(input.value));
  const ok = Number.isFinite(patience) && patience >= 1;
  input.classList.toggle("invalid", !ok);
  const p = !$("[data-early]").checked ? null : ok ? Math.min(patience, 1000) : 10;
  const monitor = network?.cursor?.n_validation > 0 ? "validation" : "training";
  return { patience: p, min_delta: 0, train_accuracy: accuracy ? 1 : null, monitor };
}

/** Why Play stopped by itself, from the server's `stopped_by`. */
function stopReason(early, by) {
  return by === "train_accuracy"
    ? " (the training accuracy reached 100 %: every training sample is classified right)"
    : ` (no better ${early.monitor} loss for ${early.patience} epochs)`;
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
  const accuracy = last.train_accuracy === null ? "" : ` · training accuracy ${fmt(100 * last.train_accuracy)} %`;
  status(`Playing · epoch ${last.epoch} · loss ${fmt(last.train_loss)}${accuracy}`, true); // once a frame, not once an epoch
  store.set({ history: [...store.get().history, ...entries] });
}

/**
 * Wait `ms` between two training calls (Play at a set pace); ends early on Pause, on settings
 * queued to apply, or on a new pace.
 */
function waitBetweenCalls(ms) {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    let unsubscribe = () => {};
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, ms);
    unsubscribe = store.subscribe((s, keys) => {
      if ((keys.has("playing") && !s.playing) || (keys.has("pendingSetup") && s.pendingSetup) || keys.has("pace")) done();
    });
  });
}


async function play() {
  const { network, catalog } = store.get();
  if (!network || store.get().playing) return;
  animator.skip();
  store.set({ playing: true, trace: null });
  setCaption([
    bold("Playing"), `: whole epochs run on the server with η = `, number(network.learning_rate),
    "; the plots and the drawing update as they finish. Press Pause (Space) to stop; the Speed slider sets the pace.",
  ]);
  let measured = 1; // epochs per call that take about half a second at full pace
  let failed = false;
  const early = earlyStopping();
  // Play trains in short calls to redraw between them: each call sends on the server's
  // early-stopping count from the one before and is no longer than the patience left, so Play
  // stops at the epoch one long call would.
  let count = { best: null, waited: 0 };
  let stoppedAt = null;
  let stoppedBy = null;
  let diverged = null;
  let trained = false; // a training call went through (a refused first call trains nothing)
  let refusal = "";
  let gone = false; // the network was deleted on the server: the caption offers a new one (network-actions.js)
  try {
    while (store.get().playing) {
      await applyQueuedSettings(); // typed while Play waited between two calls
      if (!store.get().playing) break;
      const t0 = performance.now();
      const chunk = pacedChunk(store.get().pace, measured);
      const limit = early?.patience ? Math.min(catalog.limits.max_epochs, early.patience - count.waited) : catalog.limits.max_epochs;
      const rule = early && {
        patience: early.patience, min_delta: early.min_delta, ...(early.train_accuracy ? { train_accuracy: early.train_accuracy } : {}), ...count,
      };
      const done = await api.trainStream(
        network.id,
        { epochs: Math.min(chunk, limit), ...(early ? { early_stopping: rule } : {}) },
        (entry) => {
          // Epochs can arrive faster than frames: the plots redraw at most once per frame.
          arrived.push(entry);
          trained = true;
          if (arrived.length === 1) {
            const wait = FLUSH_EVERY_MS - (performance.now() - lastFlush);
            if (wait <= 0) requestAnimationFrame(flushEpochs);
            else setTimeout(() => requestAnimationFrame(flushEpochs), wait);
          }
        },
      );
      flushEpochs();
      trained = true;
      if (done?.network) store.set({ network: done.network });
      if (done?.early_stopping) count = done.early_stopping;
      // Settings typed during this call apply from the next epoch (live-settings.js).
      await applyQueuedSettings();
      // The per-update losses of this call too, not only the epochs: the step plot keeps up.
      await Promise.all([refreshPlots(), refreshHistory().catch(() => {})]);
      const ran = Math.max(1, done?.epochs_run ?? chunk);
      measured = nextChunk(performance.now() - t0, ran);
      if (done?.diverged) {
        diverged = done.diverged; // the run stopped at the refused update
        break;
      }
      if (done?.stopped_early) {
        stoppedAt = store.get().network.epoch;
        stoppedBy = done.stopped_by;
        break;
      }
      // At a set pace, the call's epochs take ran/pace seconds in all.
      if (Number.isFinite(store.get().pace)) await waitBetweenCalls((1000 * ran) / store.get().pace - (performance.now() - t0));
    }
  } catch (err) {
    if (err.name !== "AbortError") {
      refusal = detailOf(err);
      gone = err.code === "network_not_found";
      setError("phase", refusal);
      failed = true;
    }
  } finally {
    store.set({ playing: false });
    await refreshNetwork().catch(() => {});
    await applyQueuedSettings().catch(() => {}); // typed just before Pause: applies now
    await Promise.all([refreshHistory().catch(() => {}), refreshPlots().catch(() => {})]);
    const last = store.get().history.at(-1);
    if (failed && !trained) {
      // Nothing trained: no "Stopped after epoch N" for epochs an earlier run did, and no
      // "Play to continue" when Play would be refused the same way.
      if (gone) return;
      status("Play was refused");
      setCaption([bold("Play was refused"), `: ${refusal.replace(/\.$/, "")}. Nothing was trained: the network is as it was before Play.`]);
      return;
    }
    const advice = adviceAfterTraining(store.get(), diverged);
    status(stoppedAt !== null ? `Stopped early at epoch ${stoppedAt}` : `Paused · epoch ${store.get().network?.epoch ?? 0}`);
    if (diverged) {
      status(`Diverged at epoch ${diverged.epoch}`);
      setCaption([
        bold(`Diverged at epoch ${diverged.epoch}`),
        `: ${diverged.detail}. The loss plot shows the climb; the epochs before it are kept and the weights are the last finite ones. `,
        ...advice,
      ]);
      return;
    }
    setCaption([
      ...(stoppedAt !== null
        ? [bold(`Stopped early at epoch ${stoppedAt}`), stopReason(early, stoppedBy)]
        : [bold(failed ? "Stopped" : "Paused"), ` after epoch ${store.get().network?.epoch ?? 0}`]),
      ...(last ? [": training loss ", number(last.train_loss), ...(last.val_loss !== null ? [", validation loss ", number(last.val_loss)] : [])] : []),
      ...(last && last.train_accuracy !== null
        ? [", training accuracy ", number(100 * last.train_accuracy), " %", ...(last.val_accuracy !== null ? [", validation accuracy ", number(100 * last.val_accuracy), " %"] : [])]
        : []),
      ". ",
      ...(advice.length ? [...advice, " "] : []),
      failed
        ? "The message under the buttons says why it stopped."
        : "Press Forward (F) to step through a sample with the trained weights, or Play (Space) to continue.",
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

let starting = false; // Play pressed while another network comes on screen: it plays that one

export async function togglePlay() {
  leavePreview(); // Play trains the network as it is: the drawing shows it again first
  if (store.get().playing) {
    stopPlaying();
    return;
  }
  if (starting) {
    starting = false; // pressed again before it started: Pause, so it does not
    return;
  }
  starting = true;
  await switched();
  if (!starting) return;
  starting = false;
  // A paused run may still be finishing its epoch on the server: start the next one only once
  // it has landed (the server answers 409 to a train on a network that is training).
  running = running.then(play);
}
