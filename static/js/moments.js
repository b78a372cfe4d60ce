// How every part of the page names a moment of training, in one vocabulary: "epoch E" is the
// state after E whole epochs (the API's `epoch` counter); between two epoch ends it is "step S
// (epoch E+1 in progress)"; updates on chosen samples after an epoch's end, which leave the data
// cursor at the epoch's start, are counted from that end: "step S (1 update since the end of
// epoch E)". So the timeline, the rewind dialog and the header never disagree; within a step,
// the phase it has reached.

const updates = (n) => `${n} update${n === 1 ? "" : "s"}`;

/** `epoch`: epochs completed; `step`: updates applied; `midEpoch`: part of the next epoch done;
 * `epochEndStep`: updates applied when the last epoch closed (null: not known). */
export function momentName({ epoch, step, midEpoch, epochEndStep }) {
  if (midEpoch) return `step ${step} (epoch ${epoch + 1} in progress)`;
  if (epoch === 0 && step === 0) return "the start (no update yet)";
  if (epoch === 0) return `step ${step} (no epoch finished yet)`;
  if (epochEndStep === null || epochEndStep === undefined) return `step ${step} (epoch ${epoch} done)`;
  if (step > epochEndStep) return `step ${step} (${updates(step - epochEndStep)} since the end of epoch ${epoch})`;
  return `the end of epoch ${epoch} (step ${step})`;
}

/** A timeline snapshot's moment, from the trainer's counters and cursor it was taken with. */
export const snapshotMoment = (s) => ({
  epoch: s.epoch,
  step: s.step,
  midEpoch: (s.cursor ?? 0) > 0,
  epochEndStep: s.epoch_end_step,
});

/** The network's moment, from its counters and data cursor. */
export const networkMoment = (n) => ({
  epoch: n.epoch,
  step: n.step,
  midEpoch: (n.cursor?.position ?? 0) > 0,
  epochEndStep: n.epoch_end_step,
});

/** The header's short form: "epoch 2 in progress", "epoch 3 done", "no epoch yet". */
export function epochStatus(n) {
  if ((n.cursor?.position ?? 0) > 0) return `epoch ${n.epoch + 1} in progress`;
  return n.epoch === 0 ? "no epoch yet" : `epoch ${n.epoch} done`;
}

/** How far a listed network has trained, true whether or not an epoch is in progress:
 * "no epoch done, 1 update", "12 epochs done, 241 updates". */
export function trainedWords({ epoch, step }) {
  const epochs = epoch === 0 ? "no epoch done" : `${epoch} epoch${epoch === 1 ? "" : "s"} done`;
  return `${epochs}, ${updates(step)}`;
}

const ORDER = ["forward", "loss", "backward", "update"];
/** "Forward, Loss and Backward" for those phases ("" for none). */
function phaseList(phases) {
  const names = phases.map((p) => p[0].toUpperCase() + p.slice(1));
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : (names[0] ?? "");
}
/** How many phases of a step in progress are done (0 before Forward and after Update). */
const doneCount = (trace) => (trace?.update ? 0 : ORDER.indexOf(currentPhase(trace)) + 1);

/** "Forward, Loss and Backward" — the phases the step in progress still needs to reach `goal`. */
export const phasesToRun = (trace, goal = "backward") => phaseList(ORDER.slice(doneCount(trace), ORDER.indexOf(goal) + 1));

/** "Forward and Loss" — the phases a step in progress has done ("" when none is in progress). */
export const phasesDone = (trace) => phaseList(ORDER.slice(0, doneCount(trace)));

/** A timeline snapshot's short name: "epoch 12" after an epoch, "step 17" inside one. */
export const shortMoment = (s) => (s.kind === "epoch" ? `epoch ${s.epoch}` : `step ${s.step}`);

/** What a step's gradient is over, in words: "sample #3", "this batch of 10 samples", "your own input". */
export function batchWords(forward) {
  const B = forward?.batch_size ?? forward?.inputs?.length ?? 1;
  if (forward?.indices) return B === 1 ? `sample #${forward.indices[0]}` : `this batch of ${B} samples`;
  return B === 1 ? "your own input" : `your ${B} input rows`;
}

/** Phase the current step has reached: "ready", "forward", "loss", "backward" or "update". */
export function currentPhase(trace) {
  return trace?.update ? "update" : trace?.backward ? "backward" : trace?.loss ? "loss" : trace?.forward ? "forward" : "ready";
}
