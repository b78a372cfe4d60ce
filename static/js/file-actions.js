// Gradient check, Export and Import: the actions on the whole network beside the phases.

import * as api from "./api.js";
import { $, animator, emit, form, stillOnScreen, store, switching } from "./context.js";
import { bold, setCaption } from "./captions.js";
import { clearErrors, detailOf, setError, status } from "./messages.js";
import { setupFromNetwork } from "./setup.js";
import { adopt, loadPreview } from "./network-actions.js";
import { guarded } from "./phase-actions.js";
import { stopPlaying } from "./play.js";

/** A gradient check holds for these weights and this batch only. */
export const gradcheckKey = (n) => `${n.id}:${n.step}:${n.epoch}:${n.cursor?.batch_index}`;

export async function checkGradients() {
  if (!store.get().network) return;
  await guarded(async () => {
    const { network } = store.get(); // the one on screen once any switch has landed
    status("Checking gradients by finite differences…", true);
    try {
      const res = await api.gradcheck(network.id);
      if (!stillOnScreen(network)) return; // another network came on screen meanwhile
      clearErrors("gradcheck");
      store.set({ gradcheck: { key: gradcheckKey(store.get().network), res } });
      emit({ action: "gradcheck", max_rel_error: res.max_rel_error, passed: res.passed });
    } catch (err) {
      setError("gradcheck", detailOf(err));
    } finally {
      status(`Ready · epoch ${store.get().network.epoch}`);
    }
  });
}

export async function exportNetwork() {
  const { network } = store.get();
  if (!network) return;
  try {
    const doc = await api.exportNetwork(network.id);
    clearErrors("import");
    const blob = new Blob([JSON.stringify(doc, null, 1)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = `backprop-explorer-${network.layers.join("-")}-epoch${network.epoch}.json`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    emit({ action: "export", id: network.id });
  } catch (err) {
    setError("import", detailOf(err));
  }
}

export const importNetwork = switching(async (file) => {
  let doc;
  try {
    doc = JSON.parse(await file.text());
  } catch {
    setError("import", `${file.name} is not JSON: choose a file saved with Export.`);
    return;
  }
  await stopPlaying();
  animator.skip();
  status("Importing the network…", true);
  try {
    const network = await api.importNetwork(doc);
    clearErrors("import", "build", "phase", "predict");
    const setup = setupFromNetwork(network, store.get().setup);
    if (setup) {
      const shape = await loadPreview(setup);
      form.config.render(setup, shape);
      $("[data-dirty]").textContent = "";
    }
    await adopt(network, setup);
    if (!setup) {
      history.replaceState(null, "", location.pathname);
      store.set({ preview: store.get().data });
    }
    setCaption([
      bold("Imported"), `: a ${network.layers.join("–")} network at epoch ${network.epoch}, step ${network.step}, with its weights, optimizer state and history.`,
      setup ? "" : " Its data was given inline, which the form cannot show: Build network replaces it with the form's setup.",
    ]);
    emit({ action: "import", id: network.id });
  } catch (err) {
    setError("import", detailOf(err));
    status(`Ready · epoch ${store.get().network?.epoch ?? 0}`);
  }
});
