// Panels around the drawing, each rendered from the state: phase buttons, sample picker, meta, readout, gradient check.

import { $, phaseOrder } from "./context.js";
import { fmtVec, numSpan, showNumber } from "./format.js";
import { LOSS_UNITS, fmtUnitsVec, hasInputScale, hasUnits, inputRow, unitRow } from "./units.js";
import { GRAD, NEG_CSS, POS_CSS, activationColour } from "./palette.js";
import { setText } from "./svg.js";
import { currentPhase } from "./moments.js";
import { gradcheckKey } from "./file-actions.js";
import { epochStatus } from "./moments.js";
import { adviceAfterBackward, adviceAfterUpdate, asText } from "./advice.js";
import { RUNS_REASON } from "./tour/lock.js";

export function renderPhaseButtons(s) {
  const phases = phaseOrder();
  const phase = currentPhase(s.trace);
  const k = phases.indexOf(phase);
  const nextPhase = phase === "ready" || phase === "update" ? phases[0] : phases[k + 1];
  document.querySelectorAll("[data-phase-button]").forEach((btn) => {
    const p = btn.dataset.phaseButton;
    const i = phases.indexOf(p);
    btn.classList.toggle("current", p === phase);
    btn.classList.toggle("done", k >= 0 && i < k);
    btn.classList.toggle("next", p === nextPhase);
    btn.setAttribute("aria-current", p === phase ? "step" : "false");
    btn.disabled = s.playing || s.tourLock; // a lesson's tour runs the phases itself (tour/lock.js)
  });
  $("[data-phases]").dataset.phase = phase;
  for (const a of ["step", "epoch"]) $(`[data-action=${a}]`).disabled = s.playing || s.tourLock;
  const playButton = $("[data-action=play]");
  playButton.setAttribute("aria-pressed", String(s.playing));
  // Icons are inline SVG: Debian's fonts have no ⏸ glyph, so a character would show as a box.
  playButton.querySelector("[data-icon=play]").toggleAttribute("hidden", s.playing);
  playButton.querySelector("[data-icon=pause]").toggleAttribute("hidden", !s.playing);
  $("[data-play-label]").textContent = s.playing ? "Pause" : "Play";
}

export function renderSamplePicker(s) {
  const select = $("[data-sample]");
  const key = `${s.network?.id}:${s.data?.train_indices?.length}`;
  if (select.dataset.key !== key && s.data && s.network) {
    const keep = select.value;
    select.replaceChildren();
    const next = document.createElement("option");
    next.value = "";
    next.textContent = "next in the epoch";
    select.appendChild(next);
    for (const idx of s.data.train_indices.slice(0, 400)) {
      const o = document.createElement("option");
      o.value = String(idx);
      // Both in the data's units, each scaled back once from what the network sees.
      o.textContent = `#${idx}: x = ${fmtUnitsVec(inputRow(s.data.inputs[idx], s.network))}, y = ${fmtUnitsVec(unitRow(s.data.targets[idx], s.network))}`;
      select.appendChild(o);
    }
    select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
    select.dataset.key = key;
    const scaled = [hasInputScale(s.network) && "x", hasUnits(s.network) && "y"].filter(Boolean).join(" and ");
    select.dataset.ownTitle = scaled
      ? `Each sample as the data has it (${scaled} in the data's units; the network sees them standardized)`
      : "Each training sample as the network sees it";
  }
  // While a lesson's tour is open the picker is locked and its title says why (tour/lock.js).
  select.title = s.tourLock ? RUNS_REASON : select.dataset.ownTitle ?? "";
  const first = select.options[0];
  if (first && s.network) {
    const idx = s.network.cursor.next_indices;
    // An option's new text makes the select measure all its options again (5 ms for 200).
    setText(first, idx.length === 1 ? `next in the epoch (#${idx[0]})` : `next batch (${idx.length} samples)`);
  }
}

export function renderMeta(s) {
  const n = s.network;
  if (!n) return;
  setText($("[data-meta-epoch]"), epochStatus(n));
  setText($("[data-meta-step]"), `step ${n.step}`);
  const c = n.cursor;
  setText($("[data-meta-batch]"), `batch ${c.batch_index + 1} of ${c.batches_per_epoch} · batch size ${c.batch_size} · ${c.n_train} train / ${c.n_validation} validation`);
  const legend = $("[data-legend]");
  // The key depends on the activations only: kept as it is while Play repaints twice a second.
  const key = n.activations.join(",");
  if (legend.dataset.key === key) return;
  legend.dataset.key = key;
  legend.replaceChildren();
  const item = (node, text) => {
    const span = document.createElement("span");
    span.className = "item";
    span.append(node, document.createTextNode(text));
    legend.appendChild(span);
  };
  const bar = (colour) => {
    const b = document.createElement("span");
    b.className = "bar";
    b.style.background = colour;
    return b;
  };
  item(bar(POS_CSS), "w > 0");
  item(bar(NEG_CSS), "w < 0");
  item(bar(GRAD), "gradient");
  const ring = (cls) => {
    const dot = document.createElement("span");
    dot.className = `dot ${cls}`;
    return dot;
  };
  if (n.activations.some((a) => a === "sigmoid" || a === "tanh")) item(ring("saturated"), "saturated");
  if (n.activations.includes("relu")) item(ring("dead"), "dead ReLU");
  for (const a of [...new Set(n.activations)]) {
    const dot = document.createElement("span");
    dot.className = "dot";
    dot.style.borderColor = activationColour(a);
    item(dot, a.replace(/_/g, " "));
  }
}

export function renderReadout(s) {
  const tbody = $("[data-yhat] tbody");
  tbody.replaceChildren();
  const t = s.trace;
  showNumber($("[data-loss-value]"), t?.loss?.loss);
  $("[data-loss-units]").textContent = hasUnits(s.network) ? ` (${LOSS_UNITS})` : "";
  showNumber($("[data-loss-after]"), t?.update?.loss_after);
  const health = $("[data-health]");
  health.textContent = "";
  renderReadoutHeads(s); // before any row: a new network's units, even with no step yet
  if (!t?.forward) return;
  const f = t.forward;
  const rows = Math.min(f.inputs.length, 6);
  const units = hasUnits(s.network);
  for (let r = 0; r < rows; r++) {
    const tr = document.createElement("tr");
    // ŷ and y in the data's units (standardized targets scaled back); the network's own in the title.
    const yhat = unitRow(f.output[r], s.network);
    const y = t.loss ? unitRow(t.loss.targets[r], s.network) : null;
    const x = f.data_inputs?.[r] ?? inputRow(f.inputs[r], s.network);
    const cells = [
      [f.indices ? `#${f.indices[r]}` : String(r + 1)],
      [fmtUnitsVec(x)],
      [fmtUnitsVec(yhat), yhat, f.output[r]],
      [y ? fmtUnitsVec(y) : "—", y, t.loss?.targets[r]],
    ];
    for (const [k, [text, value, raw]] of cells.entries()) {
      const td = document.createElement("td");
      td.textContent = text;
      if (k === 1 && hasInputScale(s.network)) td.title = `the input layer's standardized values: ${fmtVec(f.inputs[r])}`;
      if (value) {
        td.dataset.value = value.join(",");
        if (units) td.title = `the network's standardized value: ${fmtVec(raw)}`;
      }
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
  const batch = f.batch_size ?? f.inputs.length;
  if (batch > rows) health.textContent = `… and ${batch - rows} more samples in this batch.`;
  // What to try, from what happened: the loss trend and the gradient norms, with their numbers.
  const advice = asText(t.update ? adviceAfterUpdate(s) : adviceAfterBackward(s)).trim();
  if (advice) health.textContent = advice;
}

/** The readout table's column heads: the units each column is in, and ŷ's staleness. */
function renderReadoutHeads(s) {
  const units = hasUnits(s.network);
  const stale = Boolean(s.trace?.update);
  $("[data-yhat-head]").textContent = `${stale ? "ŷ (before the update)" : "ŷ"}${units ? " (data units)" : ""}`;
  $("[data-yhat] thead th:last-child").textContent = units ? "y (data units)" : "y";
  $("[data-yhat] thead th:nth-child(2)").textContent = hasInputScale(s.network) ? "inputs x (data units)" : "inputs x";
  $("[data-yhat]").classList.toggle("stale", stale);
}

export function renderGradcheck(s) {
  const box = $("[data-gradcheck]");
  const g = s.gradcheck;
  // Stale once the weights or the batch change: show nothing rather than an old verdict.
  if (!g || !s.network || g.key !== gradcheckKey(s.network)) {
    box.replaceChildren();
    return;
  }
  const r = g.res;
  const fact = (name, x) => {
    const span = numSpan(x);
    span.dataset.fact = name;
    return span;
  };
  const p = document.createElement("p");
  const verdict = document.createElement("span");
  verdict.className = `verdict ${r.passed ? "pass" : "fail"}`;
  verdict.dataset.passed = String(r.passed);
  verdict.textContent = r.passed ? "✓ Passed" : "✗ Failed";
  p.append(
    verdict, ": max relative error ", fact("max_rel_error", r.max_rel_error), " (tolerance ", fact("tolerance", r.tolerance),
    `) over ${r.n_parameters} parameters, ε = `, fact("epsilon", r.epsilon), ".",
  );
  if (r.refined > 0) {
    p.append(
      ` ${r.refined} first difference${r.refined === 1 ? " was" : "s were"} refined with smaller steps and extrapolation (truncation error up to `,
      fact("truncation", r.truncation), ").",
    );
  }
  if (r.unrefined > 0) {
    p.append(` ${r.unrefined} disagreeing first difference${r.unrefined === 1 ? " was" : "s were"} not refined: the check's work bound was reached.`);
  }
  if (r.kinks.length > 0) {
    const note = document.createElement("span");
    note.dataset.kinks = String(r.kinks.length);
    note.textContent = ` ${r.kinks.length} of them not compared: a kink (ReLU at z = 0, or L1 at w = 0) lies within the smallest step, where a difference measures no derivative.`;
    p.append(note);
  }
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const t of ["layer", "max relative error"]) {
    const th = document.createElement("th");
    th.textContent = t;
    head.appendChild(th);
  }
  const body = table.createTBody();
  for (const layer of r.layers) {
    const tr = body.insertRow();
    tr.dataset.layer = String(layer.index);
    tr.insertCell().textContent = String(layer.index);
    tr.insertCell().appendChild(numSpan(layer.max_rel_error));
  }
  box.replaceChildren(p, table);
}
