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

/** The API's refusal of a change to a network shared with you to view names the API's calls to
 * copy it; a page with My networks names the button that does. */
const VIEW_ONLY = /^network '[^']+' is shared with you to view, not to change/;

/** The explorer page's words for a 404 (network-actions.js: the network on screen is gone); null: the API's. */
let explainNotFound = () => null;
export function explainMissing(explain) {
  explainNotFound = explain;
}

export function detailOf(err) {
  if (!(err instanceof api.ApiError)) return `Unexpected error: ${err.message}`;
  if (err.status === 404) return explainNotFound(err.detail) ?? err.detail;
  if (err.status === 403 && VIEW_ONLY.test(err.detail) && document.querySelector("[data-my-networks]")) {
    return "This network is shared with you to view, not to change: My networks → Copy the network on screen makes a copy of your own to train";
  }
  return err.detail;
}
