// Direct manipulation: set one weight or bias from the diagram (a row of your own: own-input.js).

import * as api from "./api.js";
import { $, emit, stillOnScreen, store } from "./context.js";
import { bold, number, setCaption } from "./captions.js";
import { clearErrors, detailOf, setError } from "./messages.js";
import { refreshPlots } from "./refresh.js";
import { guarded } from "./phase-actions.js";
import { biasName, weightName } from "./names.js";

/** The parameter's name as the drawing and the inspector give it: "w₁₃", "the bias b₃". */
const nameOf = (target, sizes) =>
  target.kind === "edge" ? weightName(sizes, target.layer, target.j, target.i) : `the bias ${biasName(sizes, target.layer, target.j)}`;

/**
 * PUT the parameters with one value changed; then run the current sample's forward pass again
 * with it (the server drops the step in progress when parameters change), and replot.
 */
export async function setParameter(target, value) {
  const { network, playing, snapshotPreview } = store.get();
  // A preview shows another moment's values: the inspector's field is disabled meanwhile.
  if (!network || playing || snapshotPreview) return;
  if (!Number.isFinite(value)) {
    setError("phase", "Type a finite number for the new value.");
    return;
  }
  await guarded(async () => {
    if (!stillOnScreen(network)) return; // the parameter was one of a network no longer on screen
    const { trace } = store.get();
    const { weights, biases } = structuredClone(network.parameters);
    if (target.kind === "edge") weights[target.layer - 1][target.j][target.i] = value;
    else biases[target.layer - 1][target.j] = value;
    // The server discards the step in progress with the change: no view may ask for its batch
    // while the change is on its way (the trace comes back if the change is refused).
    store.set({ trace: null });
    try {
      const next = await api.putParameters(network.id, { weights, biases }).catch((err) => {
        if (stillOnScreen(network)) store.set({ trace });
        throw err;
      });
      if (!stillOnScreen(network)) return;
      clearErrors("phase");
      store.set({ network: next, trace: null });
      if (trace?.forward) {
        const f = trace.forward;
        const body = f.indices ? { indices: f.indices } : { inputs: f.inputs };
        store.set({ trace: { forward: await api.phase(network.id, "forward", body) } });
      }
      setCaption([
        bold("Set"), ` ${nameOf(target, network.layers)} to `, number(value),
        trace?.forward ? ". The forward pass of the same sample was run again with it: every z, a and ŷ on the drawing is new." : ".",
      ]);
      emit({ action: "set-parameter", kind: target.kind, layer: target.layer, value });
      await refreshPlots();
    } catch (err) {
      if (stillOnScreen(network)) setError("phase", detailOf(err));
    }
  });
}
