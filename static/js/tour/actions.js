// A lesson step's action run through the page's own actions, so the drawing animates; resolves
// with the server's answer (kept in the lesson's context), or throws an Error saying why not.

import * as api from "../api.js";
import { $, form, store } from "../context.js";
import { setupFromNetwork } from "../setup.js";
import { bold, setCaption } from "../captions.js";
import { refreshHistory, refreshPlots } from "../refresh.js";
import { runEpoch, runPhase, runStep } from "../phase-actions.js";

const PHASES = new Set(["forward", "loss", "backward", "update"]);

/** The page's phase error, or a general sentence, as the reason an action did not run. */
function failed(action) {
  const said = $('[data-error="phase"]')?.textContent;
  return new Error(said || `the ${action} action did not run`);
}

/** Run `step.action` (not null) on the page's network; its answer. */
export async function runAction(step) {
  const { action, body, request } = step;
  let answer;
  if (PHASES.has(action)) answer = await runPhase(action, body ?? {});
  else if (action === "step") answer = await runStep();
  else if (action === "epoch") answer = await runEpoch();
  else answer = await runRequest(step.action, request);
  if (answer === undefined) throw failed(action);
  return answer;
}

/** train, patch, reset and history: the step's own request, then the page catches up. */
async function runRequest(action, request) {
  let answer;
  try {
    const path = request.path.replace("{network_id}", encodeURIComponent(store.get().network.id));
    answer = await api.lessonRequest(request.method, path, request.body);
  } catch (err) {
    throw new Error(err instanceof api.ApiError ? err.detail : err.message);
  }
  if (action === "train") {
    store.set({ network: answer.network, trace: null });
    await refreshHistory();
    await refreshPlots();
    const runs = answer.epochs_run ?? answer.history?.length ?? 0;
    setCaption([bold("Trained"), ` ${runs} epoch${runs === 1 ? "" : "s"}${answer.diverged ? ", then stopped: the run diverged" : ""}.`]);
  } else if (action === "patch" || action === "reset") {
    // The server drops a step in progress when hyperparameters change or the weights reset.
    const cleared = action === "reset" ? { history: [], steps: [] } : {};
    store.set({ network: answer, trace: null, ...cleared });
    // The settings form follows the lesson's change (η 1.5 in learning-rate, say).
    // What the form shows is what the network is built with now: a change made in the form
    // after the tour is measured against it (live-settings.js).
    const described = setupFromNetwork(answer, form.config.read());
    if (described) {
      form.config.render(described, store.get().shape);
      store.set({ setup: described, built: structuredClone(described) });
    }
    await refreshPlots();
    setCaption([bold(action === "reset" ? "Reset" : "Changed"), action === "reset" ? ": the weights are back to their seeded values." : " the network's settings; the weights are unchanged."]);
  } else if (action === "history") {
    await refreshHistory();
  }
  return answer;
}
