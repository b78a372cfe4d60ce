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

export const detailOf = (err) => (err instanceof api.ApiError ? err.detail : `Unexpected error: ${err.message}`);
