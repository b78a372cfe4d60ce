// How Play paces itself, on the explorer and on the compare page: how many epochs one train
// call asks for, and how fine a boundary grid it redraws between calls.

export const GRID_RESOLUTION = 40;
export const PLAY_GRID_RESOLUTION = 24; // while Play redraws every half second: a third of the points

/** Epochs for the next call: about half a second of training, from the last call's pace
 * (`elapsedMs` for `epochsRun` epochs), between 1 and 50. The first call asks for 1. */
export function nextChunk(elapsedMs, epochsRun) {
  const perEpoch = elapsedMs / Math.max(1, epochsRun);
  return Math.max(1, Math.min(50, Math.round(500 / Math.max(1, perEpoch))));
}

/** Epochs for the next call at a set `pace` (epochs per second, from the Speed slider): half a
 * second's worth, between 1 and 50; at full pace (Infinity) the `measured` chunk. */
export function pacedChunk(pace, measured) {
  if (!Number.isFinite(pace)) return measured;
  return Math.max(1, Math.min(50, Math.round(pace / 2)));
}
