// Messages beside the controls: errors by key, the status line, and readable error details.
// Imports nothing of the explorer page, so the compare page reads errors with `detailOf` too.

import * as api from "./api.js";

export function setError(key, text) {
  const node = document.querySelector(`[data-error="${key}"]`);
  if (node) node.textContent = text || "";
}

export function clearErrors(...keys) {
  for (const k of keys) setError(k, "");
}

export function status(text, busy = false) {
  const node = document.querySelector("[data-status]");
  node.textContent = text;
  node.classList.toggle("busy", busy);
}

/** The explorer page's words for a refused request about a network that is not there
 * (network-actions.js: the network on screen is gone), given the ApiError; null: the API's. */
let explainNotFound = () => null;
export function explainMissing(explain) {
  explainNotFound = explain;
}

/** The words for a refusal: the server's sentence, or the page's for the refusals it knows by
 * their code. The API's refusal of a change to a network shared with you to view names the
 * API's calls to copy it; a page with My networks names the button that does. */
export function detailOf(err) {
  if (!(err instanceof api.ApiError)) return `Unexpected error: ${err.message}`;
  if (err.code === "network_not_found") return explainNotFound(err) ?? err.detail;
  if (err.code === "view_only" && document.querySelector("[data-my-networks]")) {
    return "This network is shared with you to view, not to change: My networks → Copy the network on screen makes a copy of your own to train";
  }
  return err.detail;
}
