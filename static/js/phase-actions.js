// The phase buttons' actions: Forward, Loss, Backward, Update, Step, Epoch and Reset, one at a time.

import * as api from "./api.js";
import { $, animator, emit, phaseOrder, stillOnScreen, store, switched, view } from "./context.js";
import { WHILE, bold, capitalized, captionFor, number, setCaption } from "./captions.js";
import { clearErrors, detailOf, setError, status } from "./messages.js";
import { refreshHistory, refreshNetwork, refreshPlots } from "./refresh.js";
import { playLoop, stopPlaying } from "./play.js";
import { leavePreview } from "./timeline.js";
import { adviceAfterTraining } from "./advice.js";
import { currentPhase, momentName, networkMoment } from "./moments.js";

function sampleBody() {
  const v = $("[data-sample]").value;
  return v === "" ? {} : { indices: [Number(v)] };
}

let busy = false;
let pending = Promise.resolve();
/**
 * One action at a time. A new action during an animation skips it rather than being ignored.
 * `fn` runs once no other network is on its way to the screen (a link being opened, a build):
 * it reads the network on screen then, and acts on that one.
 */
export async function guarded(fn) {
  leavePreview(); // an action acts on the network as it is, so the drawing shows it again
  // A paused Play may still be landing its last train call and refreshing the network;
  // an action that started now could be overwritten by that stale refresh.
  await playLoop();
  if (busy) {
    if (!animator.running) return;
    animator.skip();
    await pending;
    if (busy) return;
  }
  busy = true;
  document.body.dataset.busy = "true";
  pending = (async () => {
    try {
      await switched();
      await fn();
    } finally {
      busy = false;
      document.body.dataset.busy = "false";
    }
  })();
  await pending;
}

/** Why a phase needs the one before it. */
const NEEDS = {
  loss: "Loss compares the network's output ŷ with the target y, so it needs a forward pass.",
  backward: "Backward starts from the loss gradient ∂L/∂a, so it needs Loss.",
  update: "Update moves each weight against its ∂L/∂w, so it needs Backward.",
};
const KEYS = { forward: "F", loss: "L", backward: "B", update: "U" };

/** The phases to run before `name` can, given the step so far (empty: it can run now). */
export function phasesMissing(name, trace) {
  const order = phaseOrder();
  const reached = currentPhase(trace);
  const done = reached === "ready" || reached === "update" ? -1 : order.indexOf(reached);
  return name === "forward" ? [] : order.slice(done + 1, order.indexOf(name));
}

/** "Out of order: … Press Forward (F), then Loss (L)." — every phase still missing, in order. */
function outOfOrder(name, missing) {
  const presses = missing.map((p) => `${capitalized(p)} (${KEYS[p]})`).join(", then ");
  return `Out of order: ${NEEDS[name]} Press ${presses} first.`;
}

/** A phase this step has run already (Forward always starts a new one): what to press instead. */
function alreadyRan(name, trace) {
  const order = phaseOrder();
  const reached = currentPhase(trace);
  if (name === "forward" || reached === "ready" || order.indexOf(name) > order.indexOf(reached)) return null;
  const next = order[order.indexOf(reached) + 1];
  const then = next ? `Press ${capitalized(next)} (${KEYS[next]}) next, or Forward (F) to start a new step.` : "Press Forward (F) to start a new step.";
  return `${capitalized(name)} has already run in this step. ${then}`;
}

const NO_TARGET =
  "Loss compares ŷ with a target y, and your own input x was sent without one: type y under Your own input and press Push through, or press Forward (F) to send a sample of the data.";

/**
 * Why `name` cannot run now, as the page says it (null: it can): phases still missing, a phase
 * this step has run already, and a Loss to run (now or first) after your own input x sent
 * without a target y. Said here rather than by a 409 or 422 round trip; the server enforces the
 * same rules.
 */
function refusal(name, { trace, ownTargets }) {
  const missing = phasesMissing(name, trace);
  const lossNext = missing.includes("loss") || (name === "loss" && !missing.length);
  const noTarget = lossNext && trace?.forward && !trace.forward.indices && !ownTargets ? NO_TARGET : null;
  if (missing.length) return [outOfOrder(name, missing), noTarget].filter(Boolean).join(" ");
  return alreadyRan(name, trace) ?? noTarget;
}

/** The drawing's animation of one phase's result. */
function stagesFor(name, res) {
  const make = { forward: view.forwardStages, loss: view.lossStages, backward: view.backwardStages, update: view.updateStages };
  return make[name](res);
}

/** After an update or a step of `network`: fetch the new weights and history while it animates,
 * then explain and replot (nothing, once another network is on screen). */
async function landUpdate(animation, network, name, trace) {
  await Promise.all([refreshNetwork(), refreshHistory()]);
  await animation;
  if (!stillOnScreen(network)) return;
  setCaption(captionFor(name, trace));
  await refreshPlots();
}

/** The body of a phase: the picked sample for Forward, the learner's own target for Loss. */
function bodyFor(name) {
  if (name === "forward") return sampleBody();
  const { ownTargets, trace } = store.get();
  if (name === "loss" && !trace?.forward?.indices && ownTargets) return ownTargets; // {targets, units}
  return {};
}

/** Run one phase; `body` replaces the default one (own inputs or targets). Resolves with the
 * server's answer once it has animated, or undefined when the phase did not run. */
export async function runPhase(name, body = null) {
  if (!store.get().network || store.get().playing) return;
  let answer;
  await guarded(async () => {
    const { network, playing } = store.get();
    if (playing) return;
    const refused = refusal(name, store.get());
    if (refused) {
      setError("phase", refused);
      emit({ phase: name, error: "out of order" });
      return;
    }
    let res;
    try {
      res = await api.phase(network.id, name, body ?? bodyFor(name));
    } catch (err) {
      if (!stillOnScreen(network)) return;
      setError("phase", detailOf(err));
      emit({ phase: name, error: detailOf(err) });
      return;
    }
    // Another network came on screen while the answer was on its way: it is not this one's step.
    if (!stillOnScreen(network)) return;
    clearErrors("phase");
    const trace = name === "forward" ? { forward: res } : { ...store.get().trace, [name]: res };
    store.set({ trace });
    // While it animates, say what is happening; the numbers follow when it lands.
    setCaption([bold(capitalized(name)), `: ${WHILE[name]}… (Esc skips)`]);
    const animation = animator.run(stagesFor(name, res));
    if (name === "update") {
      await landUpdate(animation, network, name, trace);
    } else {
      await animation;
      if (stillOnScreen(network)) setCaption(captionFor(name, trace));
    }
    if (!stillOnScreen(network)) return;
    store.set({ trace: store.get().trace }); // repaint the inspector with the final state
    answer = res;
  });
  return answer;
}

/** All four phases; resolves with the server's answer, or undefined when it did not run. */
export async function runStep() {
  if (!store.get().network || store.get().playing) return;
  animator.skip();
  let answer;
  await guarded(async () => {
    const { network, playing } = store.get();
    if (playing) return;
    let res;
    try {
      res = await api.phase(network.id, "step", sampleBody());
    } catch (err) {
      if (stillOnScreen(network)) setError("phase", detailOf(err));
      return;
    }
    if (!stillOnScreen(network)) return;
    clearErrors("phase");
    const trace = { forward: res.forward, loss: res.loss, backward: res.backward, update: res.update };
    // The panels follow the drawing: each phase joins the trace when its animation starts,
    // so Update lights (and "after update" shows) only once the edges begin to move.
    store.set({ trace: null });
    setCaption([bold("Step"), ": forward, loss, backward and update in one go… (Esc skips)"]);
    const reach = (p) => ({ duration: 0, start: () => store.set({ trace: { ...store.get().trace, [p]: res[p] } }) });
    const quick = (stages) => stages.map((s) => ({ ...s, duration: s.duration * 0.5 }));
    const animation = animator.run(phaseOrder().flatMap((p) => [reach(p), ...quick(stagesFor(p, res[p]))]));
    await landUpdate(animation, network, "step", trace);
    if (!stillOnScreen(network)) return;
    store.set({ trace: store.get().trace });
    answer = res;
  });
  return answer;
}

/** The rest of the epoch; resolves with the server's answer, or undefined when it did not run. */
export async function runEpoch() {
  if (!store.get().network || store.get().playing) return;
  animator.skip();
  let answer;
  await guarded(async () => {
    const { network, playing } = store.get();
    if (playing) return;
    status("Training one epoch…", true);
    try {
      const res = await api.epoch(network.id);
      if (!stillOnScreen(network)) return;
      clearErrors("phase");
      store.set({ network: res.network, trace: null });
      await refreshHistory();
      await refreshPlots();
      answer = res;
      if (res.diverged) {
        // Divergence: the epoch was cut at the refused update; what it trained before is kept.
        setCaption([bold("Diverged"), `: ${res.diverged.detail}. The weights are the last finite ones. `, ...adviceAfterTraining(store.get(), res.diverged)]);
        emit({ phase: "epoch", diverged: res.diverged });
        return;
      }
      const e = res.summary;
      setCaption([
        bold(`Epoch ${e.epoch}`),
        " finished: every remaining training sample went through forward, loss, backward and update. Training loss ",
        number(e.train_loss),
        ...(e.val_loss !== null ? [", validation loss ", number(e.val_loss)] : []),
        ...(e.train_accuracy !== null ? [", training accuracy ", number(100 * e.train_accuracy), " %"] : []),
        ". ",
        ...adviceAfterTraining(store.get()),
      ]);
      emit({ phase: "epoch", epoch: e.epoch });
    } catch (err) {
      if (stillOnScreen(network)) setError("phase", detailOf(err));
    } finally {
      if (stillOnScreen(network)) status(`Ready · epoch ${store.get().network.epoch}`);
    }
  });
  return answer;
}

/** Reset (R): the seeded initial weights again and no history; the header and the caption say
 * where the network came back from, or why there was nothing to reset. */
export async function reset() {
  if (!store.get().network) return;
  await stopPlaying();
  animator.skip();
  await guarded(async () => {
    const { network, trace } = store.get();
    const seed = network.init?.seed;
    if (network.epoch === 0 && network.step === 0 && !trace) {
      setCaption([
        bold("Reset"), `: nothing to undo. The network already has its initial weights (init seed ${seed}) and no history. `,
        "Step (S), Epoch (E) or Play (Space) train it; Reset then brings it back here.",
      ]);
      status(`Ready · ${momentName(networkMoment(network))}`);
      emit({ phase: "reset", nothing: true });
      return;
    }
    try {
      const next = await api.resetNetwork(network.id);
      if (!stillOnScreen(network)) return;
      clearErrors("phase");
      store.set({ network: next, trace: null, history: [], steps: [], selection: store.get().selection });
      await refreshPlots();
      setCaption([
        bold("Reset"), `: the weights are back to their initial values (init seed ${seed}) and the history is cleared: `,
        `from ${momentName(networkMoment(network))} to ${momentName(networkMoment(next))}.`,
      ]);
      status(`Ready · ${momentName(networkMoment(next))}`);
      emit({ phase: "reset" });
    } catch (err) {
      if (stillOnScreen(network)) setError("phase", detailOf(err));
    }
  });
}
