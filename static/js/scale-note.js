// Beside the drawing: data kept at their own scale, said in the server's sentences
// (network.data_warnings), with the checkbox that fixes them — Standardize features or targets,
// under "Upload a CSV" — one press away.

import { $ } from "./context.js";

const OPTION = { features: "csv_standardize", targets: "csv_standardize_targets" };
const LABEL = { features: "Standardize features", targets: "Standardize targets" };

/** Open the upload options and put the focus on the checkbox that fixes `about`. */
function showOption(about) {
  const details = $("details.upload");
  if (!details) return;
  details.open = true;
  const box = $(`input[name=${OPTION[about]}]`);
  box?.scrollIntoView({ block: "center" });
  box?.focus();
}

export function renderScaleNote(s) {
  const note = $("[data-scale-note]");
  if (!note) return;
  const warnings = s.network?.data_warnings ?? [];
  note.replaceChildren();
  note.hidden = !warnings.length;
  note.dataset.about = warnings.map((w) => w.about).join(",");
  if (!warnings.length) return;
  const head = document.createElement("strong");
  head.textContent = "These data are not standardized. ";
  note.appendChild(head);
  for (const w of warnings) {
    const p = document.createElement("span");
    p.textContent = `${w.text[0].toUpperCase()}${w.text.slice(1)}. `;
    note.appendChild(p);
  }
  const options = [...new Set(warnings.map((w) => w.about))];
  if (!s.network.data?.dataset_id) {
    // Rows sent in the spec (hand-written, imported): the page has no box to tick for them.
    note.append("Standardize the columns before sending them: (x − mean) / std, column by column.");
    return;
  }
  note.append(`Tick ${options.map((a) => LABEL[a]).join(" and ")} under Upload a CSV, upload the file again and build. `);
  for (const about of options) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.dataset.showOption = about;
    button.textContent = `Show ${LABEL[about]}`;
    button.addEventListener("click", () => showOption(about));
    note.appendChild(button);
  }
}
