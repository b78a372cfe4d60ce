// "Your own input": a row the learner types in the data's units, pushed through the network.
// The page sends it as typed ("units": "data"); the server scales it (standardizes it, or for
// the digits divides it by 16, and computes the network's features) and answers what the input
// layer got, which is shown here beside the means and standard deviations the network serves.
// Nothing here scales a number itself.

import { $, store } from "./context.js";
import { fmt } from "./format.js";
import { clearErrors, setError } from "./messages.js";
import { runPhase } from "./phase-actions.js";
import { fmtUnits, fmtUnitsVec, hasInputScale, hasUnits } from "./units.js";

/** The data's own columns: what a row typed in the data's units holds. */
function columnsOf({ network, data }) {
  const names = data?.raw_feature_names ?? network?.feature_names ?? [];
  return names.length ? names : Array.from({ length: network?.layers[0] ?? 0 }, (_, i) => `X${i + 1}`);
}

/** The columns in words: all of them, or for many (the digits' 64 pixels) the first and last. */
function columnWords(columns) {
  return columns.length > 8 ? `${columns.length} columns: ${columns[0]} … ${columns[columns.length - 1]}` : columns.join(", ");
}

/** The one number every column is divided by when the data were scaled by division alone (the
 * digits' pixels: mean 0 and std 16 for every column), else null. */
function divisor(network) {
  const { feature_mean: mean, feature_std: std } = network ?? {};
  if (!mean || !std || !std.length) return null;
  return mean.every((m) => m === 0) && std.every((d) => d === std[0]) ? std[0] : null;
}

/** "0.5, -1" → [0.5, -1]; null when a part is not a finite number or the count is wrong. */
function parseRow(text, size) {
  const parts = text.split(/[,\s]+/).filter(Boolean).map(Number);
  return parts.length === size && parts.every(Number.isFinite) ? parts : null;
}

/** Forward a row the learner typed (in the data's units), then Loss against their target. */
export async function pushOwnRow() {
  const s = store.get();
  const { network, data } = s;
  if (!network) return;
  const nIn = data ? columnsOf(s).length : network.layers[0];
  const nOut = network.layers[network.layers.length - 1];
  const units = data ? "data" : "network"; // a network without data has no other units
  const inputs = parseRow($("[data-own-inputs]").value, nIn);
  if (!inputs) {
    setError("own", `Type ${nIn} number${nIn > 1 ? "s" : ""} for x (${columnWords(columnsOf(s))}), separated by commas.`);
    return;
  }
  const targetText = $("[data-own-targets]").value.trim();
  const targets = targetText ? parseRow(targetText, nOut) : null;
  if (targetText && !targets) {
    setError("own", `Type ${nOut} number${nOut > 1 ? "s" : ""} for y, or leave it empty.`);
    return;
  }
  clearErrors("own");
  store.set({ ownTargets: targets ? { targets: [targets], units } : null });
  await runPhase("forward", { inputs: [inputs], units });
  if (targets) await runPhase("loss", { targets: [targets], units });
}

/** A row typed for other data (other columns, other targets) is not valid here: empty both
 * fields when the columns change, so the placeholder shows a row of the data on screen. */
function forgetOtherDatasRow(key) {
  const input = $("[data-own-inputs]");
  if (input.dataset.columns === key) return;
  if (input.dataset.columns !== undefined) {
    input.value = "";
    $("[data-own-targets]").value = "";
    clearErrors("own");
  }
  input.dataset.columns = key;
}

/** A "(x − mean) / std" term with the served numbers. */
const standardizing = (x, mean, std) => `(${fmtUnits(x)} − ${fmtUnits(mean)}) / ${fmtUnits(std)}`;

/** What the row takes (the hint and the placeholder) and, after a push, what the network got. */
export function renderOwnRow(s) {
  const hint = $("[data-own-units]");
  const fed = $("[data-own-fed]");
  const input = $("[data-own-inputs]");
  const { network, data } = s;
  if (!hint || !network) return;
  const columns = columnsOf(s);
  if (data) forgetOtherDatasRow(`${columns.join("\n")}→${(network.target_names ?? []).join("\n")}`);
  const first = data?.train_indices?.length ? data.train_indices[0] : null;
  const example = first === null ? null : data.raw_inputs[first];
  input.placeholder = example ? `e.g. ${example.map((v) => fmtUnits(v).replace(/,/g, "")).join(", ")}` : "e.g. 0.5, -1";
  input.setAttribute("aria-label", `Your own input x: ${columnWords(columns)}, separated by commas`);
  const featured = network.features && network.features.join() !== "x1,x2";
  const divide = divisor(network);
  const yUnits = hasUnits(network) ? `; y in ${network.target_names.join(", ")}` : "";
  hint.textContent = !data
    ? `Type ${columns.length} numbers: what the input layer gets.`
    : divide !== null
      ? `In the data's units (${columnWords(columns)}${yUnits}): the server divides each by ${fmtUnits(divide)}, as it did the training data.`
      : hasInputScale(network)
        ? `In the data's units (${columnWords(columns)}${yUnits}): the server standardizes them with the data's means and standard deviations, as it did the training data.`
        : featured
          ? `The point (${columns.join(", ")}): the server computes the network's features from it (${network.feature_names.join(", ")}).`
          : `In the data's units (${columnWords(columns)}): the network sees them as they are.`;
  fed.replaceChildren();
  const f = s.trace?.forward;
  if (!f?.data_inputs) return;
  // After a push: the row as typed, and what the input layer got (both the server's answer).
  const typed = f.data_inputs[0];
  const got = f.inputs[0];
  const lines = [`You typed x = ${fmtUnitsVec(typed)} (${columnWords(columns)}).`];
  if (divide !== null) {
    lines.push(`The input layer got x′ = x / ${fmtUnits(divide)} = ${fmtVecPlain(got)}.`);
    lines.push(`Every sample the network learned from was divided by ${fmtUnits(divide)} the same way, column by column: that is all its scaling (no mean is taken away).`);
  } else if (hasInputScale(network)) {
    const terms = typed.map((x, i) => standardizing(x, network.feature_mean[i], network.feature_std[i]));
    lines.push(`The input layer got x′ = (x − mean) / std = ${terms.length > 1 ? `(${terms.join(", ")})` : terms[0]} = ${fmtVecPlain(got)}.`);
    lines.push(`Means ${fmtUnitsVec(network.feature_mean)} and standard deviations ${fmtUnitsVec(network.feature_std)} of the data's columns: every sample the network learned from was standardized with them.`);
  } else if (featured) {
    lines.push(`The input layer got its features (${network.feature_names.join(", ")}) = ${fmtVecPlain(got)}.`);
  }
  const l = s.trace?.loss;
  if (l && hasUnits(network) && s.ownTargets) {
    const y = s.ownTargets.targets[0];
    const terms = y.map((v, k) => standardizing(v, network.target_mean[k], network.target_std[k]));
    lines.push(`The loss compares with y′ = (y − mean) / std = ${terms.join(", ")} = ${fmtVecPlain(l.targets[0])}.`);
  }
  for (const text of lines) {
    const p = document.createElement("p");
    p.textContent = text;
    fed.appendChild(p);
  }
  fed.dataset.inputs = got.join(",");
}

const fmtVecPlain = (v) => (v.length === 1 ? fmt(v[0]) : `(${v.map(fmt).join(", ")})`);
