// The "… a copy using [what] [value]" control, on the explorer page and on the compare page.

import { CHANGES, choicesFor, explicitStart, howCopied } from "./copy.js";

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

/**
 * Fill `container` with a kind select, a value field, a button and a hint.
 * `base()` is the network to copy (or null); `onSubmit(kind, value)` does the work.
 * Returns {refresh()} to re-offer values after the base network changed.
 */
export function createCopyControl(container, { catalog, base, buttonText, buttonLabel, onSubmit }) {
  const kindSelect = el("select", { className: "copy-kind" });
  kindSelect.setAttribute("aria-label", "What the copy changes");
  kindSelect.dataset.copyKind = "";
  for (const c of CHANGES) kindSelect.append(el("option", { value: c.kind, textContent: c.label }));
  const valueSlot = el("span", { className: "copy-value" });
  const button = el("button", { type: "button", textContent: buttonText });
  button.setAttribute("aria-label", buttonLabel);
  button.dataset.copySubmit = "";
  const hint = el("p", { className: "hint copy-hint" });
  hint.dataset.copyHint = "";
  container.append(kindSelect, valueSlot, button, hint);
  let valueInput = null;
  let shown = null; // what the offered value was computed from

  /** Offer a value again when the kind or the base network's setting changed (not otherwise:
   * a value being typed stays). */
  function refresh() {
    const network = base();
    const n = network;
    const key = `${kindSelect.value}|${n ? `${n.id}:${n.learning_rate}:${n.optimizer.name}:${n.layers}:${n.activations}:${n.init.method}` : ""}`;
    if (key === shown) return;
    shown = key;
    hint.textContent = howCopied(kindSelect.value);
    valueSlot.replaceChildren();
    button.disabled = !network;
    if (!network) return;
    // A network built from explicit weights: say what the copy does with them.
    const kind = kindSelect.value;
    explicitStart(network).then((start) => {
      if (start && shown === key) hint.textContent = howCopied(kind, start);
    });
    const c = choicesFor(kindSelect.value, network, catalog);
    if (c.input === "number") {
      valueInput = el("input", { type: "number", value: String(c.value), min: String(c.min), max: String(c.max), step: String(c.step) });
    } else {
      valueInput = el("select");
      for (const name of c.options) valueInput.append(el("option", { value: name, textContent: name.replace(/_/g, " ") }));
      valueInput.value = c.value;
    }
    valueInput.setAttribute("aria-label", `The copy's ${CHANGES.find((x) => x.kind === kindSelect.value).label}`);
    valueInput.dataset.copyValue = "";
    valueSlot.append(valueInput);
  }

  kindSelect.addEventListener("change", refresh);
  button.addEventListener("click", async () => {
    if (!base() || button.disabled) return;
    button.disabled = true;
    try {
      await onSubmit(kindSelect.value, valueInput.value);
    } finally {
      button.disabled = !base();
    }
  });
  refresh();
  return { refresh };
}
