// The explorer page's "Compare with a copy using …": build the copy, open /compare with both.

import { store } from "../context.js";
import { detailOf, setError, status } from "../messages.js";
import { stopPlaying } from "../play.js";
import { createCopyControl } from "./copy-control.js";
import { makeCopy } from "./copy.js";
import { at } from "../root.js";

export const compareUrl = (ids) => at(`/compare?ids=${ids.map(encodeURIComponent).join(",")}`);

/** Wire the control in [data-compare-launch] as soon as the catalog is there. */
export function wireCompareLaunch() {
  const container = document.querySelector("[data-compare-launch] [data-copy-control]");
  if (!container) return;
  let control = null;
  const show = (s, keys) => {
    if (!s.catalog) return;
    if (!control) {
      control = createCopyControl(container, {
        catalog: s.catalog,
        base: () => store.get().network,
        buttonText: "Compare",
        buttonLabel: "Compare with a copy",
        onSubmit: compareWithCopy,
      });
    } else if (keys.has("network")) {
      control.refresh();
    }
  };
  store.subscribe(show);
  show(store.get(), new Set());
}

async function compareWithCopy(kind, value) {
  await stopPlaying(); // the copy is taken of weights that no longer move
  const network = store.get().network;
  if (!network) return;
  setError("compare", "");
  status("Building the copy…", true);
  try {
    const copy = await makeCopy(network, kind, value);
    location.assign(compareUrl([network.id, copy.id]));
  } catch (err) {
    setError("compare", err instanceof Error && !("status" in err) ? err.message : detailOf(err));
    status("The copy could not be built");
  }
}
