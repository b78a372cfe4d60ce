// The hover tooltip of the drawing: a neuron's z, a and δ, a weight's w and ∂L/∂w, a bias's b
// and ∂L/∂b, each the API's number. Clicking opens the same part in the inspector (inspector.js).

import { fmt } from "./format.js";
import { biasName, edgeWords, weightName } from "./names.js";
import { layerOf, neuronName, outputLabel } from "./inspector.js";
import { HEALTH_TEXT } from "./neuron-health.js";
import { fmtUnits, forwardInputs, hasInputScale, hasUnits, unitValue } from "./units.js";

export function createTooltip(tooltip) {
  function tooltipFor(target, ctx) {
    const { network, trace } = ctx;
    const L = network.layers.length - 1;
    const lines = [];
    const f = trace?.forward;
    const bk = trace?.backward;
    if (target.kind === "neuron") {
      const { layer: l, j } = target;
      lines.push([neuronName(l, L, j, network), null]);
      if (l === 0) {
        if (f && hasInputScale(network)) {
          lines.push(["x (standardized)", f.inputs[0][j]], ["x in the data's units", fmtUnits(forwardInputs(f, network)[j])]);
        } else if (f) lines.push(["x", f.inputs[0][j]]);
      } else {
        const fl = layerOf(f, l);
        const units = l === L && hasUnits(network);
        if (fl) lines.push(["z", fl.z[0][j]], [units ? "a (standardized)" : "a", fl.a[0][j]]);
        if (fl && units) lines.push(["ŷ in the data's units", fmtUnits(unitValue(fl.a[0][j], j, network))]);
        const y = trace?.loss?.targets?.[0]?.[j];
        if (l === L && y !== undefined) lines.push([units ? "y in the data's units" : "y", units ? fmtUnits(unitValue(y, j, network)) : y]);
        const bl = layerOf(bk, l);
        if (bl) lines.push(["∂L/∂z (δ)", bl.dL_dz[0][j]]);
        const h = ctx.health?.[l - 1]?.[j];
        if (h) lines.push([HEALTH_TEXT[h], null]);
      }
    } else if (target.kind === "edge") {
      const { layer: l, j, i } = target;
      lines.push([`${weightName(network.layers, l, j, i)}: ${edgeWords(l, L, j, i, outputLabel(network, j))}`, null]);
      lines.push(["w", network.parameters.weights[l - 1][j][i]]);
      const bl = layerOf(bk, l);
      if (bl && !trace.update) lines.push(["∂L/∂w", bl.dL_dW[j][i]]);
      const ul = layerOf(trace?.update, l);
      if (ul) lines.push(["∂L/∂w", ul.dL_dW[j][i]], ["step", ul.step_W[j][i]], ["w before update", ul.W_old[j][i]]);
    } else if (target.kind === "bias") {
      const { layer: l, j } = target;
      lines.push([`${biasName(network.layers, l, j)}: bias of ${neuronName(l, L, j, network)}`, null]);
      lines.push(["b", network.parameters.biases[l - 1][j]]);
      const bl = layerOf(bk, l);
      if (bl) lines.push(["∂L/∂b", bl.dL_db[j]]);
    }
    tooltip.replaceChildren();
    for (const [k, v] of lines) {
      const div = document.createElement("div");
      if (v === null) {
        div.textContent = k;
        div.style.fontWeight = "600";
      } else {
        const span = document.createElement("span");
        span.className = "k";
        span.textContent = `${k} = `;
        div.append(span, document.createTextNode(fmt(v)));
      }
      tooltip.appendChild(div);
    }
  }

  function show(target, evt, ctx) {
    if (!ctx.network) return;
    tooltipFor(target, ctx);
    tooltip.hidden = false;
    const x = Math.min(window.innerWidth - 290, evt.clientX + 14);
    const y = Math.min(window.innerHeight - 120, evt.clientY + 14);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }
  const hide = () => {
    tooltip.hidden = true;
  };
  // A touch screen has no mouseleave: a tap anywhere, a scroll or four seconds put it away.
  let touchTimer = 0;
  document.addEventListener("pointerdown", (evt) => {
    if (evt.pointerType === "mouse") return;
    hide();
    clearTimeout(touchTimer);
    touchTimer = setTimeout(hide, 4000);
  });
  window.addEventListener("scroll", hide, { passive: true });

  return { show, hide };
}
