// The configuration form: reads and writes the setup object; layer editor; dataset fields.

import { CHOICES, INLINE, NUMBERS, inputSize, isInline, isStructural, isUpload, usesClasses, usesFeatures } from "./setup.js";

function option(value, label = value) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = label;
  return o;
}

export function createConfigPanel(form, catalog, { onEdit, onBuild, onUpload, onLimit = () => {} }) {
  const $ = (name) => form.elements.namedItem(name);
  const layersEl = form.querySelector("[data-layers]");
  const description = form.querySelector("[data-dataset-description]");
  const hiddenActs = catalog.activations.filter((a) => !a.output_only).map((a) => a.name);
  const outActs = catalog.activations.map((a) => a.name);
  let setup = null;
  let uploaded = null; // {dataset_id, ...} of an uploaded CSV
  let uploads = []; // every upload the server lists (GET /api/datasets), oldest first

  const dsSelect = $("dataset");
  const uploadLabel = (u) => `${u.file_name ?? "uploaded CSV"} (${u.n_samples} × ${u.n_features ?? u.feature_names.length})`;
  function group(label, options) {
    if (!options.length) return;
    const g = document.createElement("optgroup");
    g.label = label;
    g.append(...options);
    dsSelect.appendChild(g);
  }
  function fillDatasets() {
    dsSelect.replaceChildren();
    const generated = catalog.datasets.filter((d) => d.kind !== "real");
    group("Generated", generated.map((d) => option(d.name, d.name.replace(/_/g, " "))));
    const real = catalog.datasets.filter((d) => d.kind === "real");
    group("Real data", real.map((d) => option(d.name, `${d.title} (${d.n_samples} × ${d.n_features})`)));
    const listed = uploaded && !uploads.some((u) => u.dataset_id === uploaded.dataset_id) ? [...uploads, uploaded] : uploads;
    const mine = listed.map((u) => option(`upload:${u.dataset_id}`, uploadLabel(u)));
    if (setup && isUpload(setup) && !listed.some((u) => `upload:${u.dataset_id}` === setup.dataset)) mine.push(option(setup.dataset, "uploaded CSV"));
    group("Uploaded CSV files", mine);
    if (setup && isInline(setup)) dsSelect.appendChild(option(INLINE, `hand-written rows (${setup.inline.inputs.length})`));
  }
  /** What an upload holds, in a sentence: file, shape, task and labels, scaling, warnings. */
  function describeUpload(u) {
    const names = u.class_names;
    const task = !names
      ? u.task
      : names.length === 2
        ? `2 classes: y = 0 is ${names[0]}, y = 1 is ${names[1]}`
        : `${names.length} classes: ${names.slice(0, 8).join(", ")}${names.length > 8 ? ", …" : ""}`;
    const parts = [
      `${u.file_name ?? "uploaded CSV"}: ${u.n_samples} rows, ${u.feature_names.join(", ")} → ${u.target_names.length > 3 ? `${u.target_names.length} outputs` : u.target_names.join(", ")} (${task})`,
      u.standardized ? "features standardized (mean 0, std 1)" : "features as in the file",
    ];
    if (u.index_column !== null && u.index_column !== undefined) parts.push(`first column ${u.index_column ? `"${u.index_column}"` : "(no name)"} left out as an index`);
    return parts.join("; ") + "." + (u.warnings ?? []).map((w) => ` Warning: ${w}.`).join("");
  }

  // Engineered input features, one checkbox each, from the catalog (engine/features.py).
  const featureBoxes = form.querySelector("[data-feature-boxes]");
  const featuresNote = form.querySelector("[data-features-note]");
  for (const f of catalog.features) {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.dataset.feature = f.name;
    box.setAttribute("aria-label", `Input feature ${f.formula}`);
    const text = document.createElement("span");
    text.textContent = f.formula;
    label.append(box, text);
    featureBoxes.appendChild(label);
  }
  const boxes = () => [...featureBoxes.querySelectorAll("input[data-feature]")];

  function renderFeatures() {
    const on = usesFeatures(setup, shape);
    for (const box of boxes()) {
      box.checked = on ? setup.features.includes(box.dataset.feature) : box.dataset.feature === "x1" || box.dataset.feature === "x2";
      box.disabled = !on;
    }
    featureBoxes.hidden = !on && shape !== null;
    if (on) featuresNote.textContent = setup.features.length === 1 ? "At least one feature: the last one stays." : "";
    else if (isInline(setup)) featuresNote.textContent = "Hand-written rows are used as they are: engineered features need generated 2-D data.";
    else if (shape && shape.nIn !== 2) featuresNote.textContent = `Engineered features need 2-D data (x1, x2); this data has ${shape.nIn} input column${shape.nIn === 1 ? "" : "s"}.`;
    else if (shape) featuresNote.textContent = "Engineered features need generated 2-D data, not an uploaded CSV.";
    else featuresNote.textContent = "";
  }
  for (const l of catalog.losses) $("loss").appendChild(option(l.name, l.name.replace(/_/g, " ")));
  for (const o of catalog.optimizers) $("optimizer").appendChild(option(o.name));
  for (const r of catalog.regularizations) $("regularization").appendChild(option(r));
  for (const i of catalog.initializers) $("init").appendChild(option(i.name));

  function actSelect(value, names, label) {
    const s = document.createElement("select");
    s.setAttribute("aria-label", label);
    for (const n of names) s.appendChild(option(n, n.replace(/_/g, " ")));
    s.value = value;
    return s;
  }

  function renderLayers(shape) {
    layersEl.replaceChildren();
    const rowOf = (name, countEl, select) => {
      const div = document.createElement("div");
      div.className = "layer-row";
      const n = document.createElement("span");
      n.className = "name";
      n.textContent = name;
      div.append(n, countEl, select || document.createElement("span"));
      layersEl.appendChild(div);
    };
    const fixed = (n, what) => {
      const s = document.createElement("span");
      s.className = "count";
      s.textContent = `${n} ${what}`;
      return s;
    };
    const nIn = inputSize(setup, shape);
    rowOf("Input", fixed(nIn ?? "?", nIn === 1 ? "feature" : "features"), null);
    setup.hidden.forEach((layer, k) => {
      const count = document.createElement("span");
      count.className = "count";
      const minus = document.createElement("button");
      minus.type = "button";
      minus.textContent = "−";
      minus.setAttribute("aria-label", `Fewer neurons in Hidden ${k + 1}`);
      minus.addEventListener("click", () => edit((s) => (s.hidden[k].size = Math.max(1, layer.size - 1))));
      const plus = document.createElement("button");
      plus.type = "button";
      plus.textContent = "+";
      plus.setAttribute("aria-label", `More neurons in Hidden ${k + 1}`);
      plus.addEventListener("click", () => {
        if (layer.size >= catalog.limits.max_neurons) return onLimit(`A layer has at most ${catalog.limits.max_neurons} neurons on this server (the limit max_neurons).`);
        edit((s) => (s.hidden[k].size = layer.size + 1));
      });
      const n = document.createElement("span");
      n.textContent = String(layer.size);
      n.dataset.layerSize = String(k + 1);
      count.append(minus, n, plus);
      const sel = actSelect(layer.activation, hiddenActs, `Activation of Hidden ${k + 1}`);
      sel.addEventListener("change", () => edit((s) => (s.hidden[k].activation = sel.value)));
      rowOf(`Hidden ${k + 1}`, count, sel);
    });
    const out = actSelect(setup.output_activation, outActs, "Output activation");
    out.addEventListener("change", () => edit((s) => (s.output_activation = out.value)));
    rowOf("Output", fixed(shape?.nOut ?? "?", shape?.nOut === 1 ? "neuron" : "neurons"), out);
  }

  const uploadedNow = () =>
    isUpload(setup) ? [...uploads, uploaded].find((u) => u && `upload:${u.dataset_id}` === setup.dataset) ?? null : null;

  let shape = null;
  function render(next, nextShape = shape) {
    setup = next;
    shape = nextShape;
    fillDatasets();
    dsSelect.value = setup.dataset;
    const meta = catalog.datasets.find((d) => d.name === setup.dataset);
    description.textContent = meta
      ? meta.kind === "real" ? `${meta.description} · ${meta.license} (hover for the source)` : meta.description
      : isInline(setup)
        ? `data: ${setup.inline.inputs.length} hand-written row${setup.inline.inputs.length === 1 ? "" : "s"} (${setup.inline.feature_names.join(", ")} → ${setup.inline.target_names.join(", ")}), kept when you rebuild`
        : uploadedNow() ? describeUpload(uploadedNow()) : "";
    description.title = meta?.kind === "real" ? `${meta.citation} Licence: ${meta.license}.` : "";
    for (const k of [...NUMBERS, ...CHOICES]) $(k).value = String(setup[k]);
    const usesN = meta ? meta.uses_n_noise : false;
    form.querySelectorAll("[data-uses-n]").forEach((n) => (n.hidden = !usesN));
    form.querySelectorAll("[data-uses-classes]").forEach((n) => (n.hidden = !usesClasses(setup.dataset)));
    form.querySelectorAll("[data-uses-seed]").forEach((n) => (n.hidden = !meta || !meta.uses_n_noise));
    $("regularization_rate").disabled = setup.regularization === "none";
    form.querySelectorAll("[data-opt]").forEach((n) => (n.hidden = n.dataset.opt !== setup.optimizer));
    renderFeatures();
    renderLayers(shape);
  }

  /** Read the plain inputs into a copy of the setup; invalid numbers keep the old value. */
  function read() {
    const s = structuredClone(setup);
    s.dataset = dsSelect.value;
    if (usesFeatures(s, shape)) {
      const picked = boxes().filter((b) => b.checked).map((b) => b.dataset.feature);
      if (picked.length) s.features = picked; // none ticked: the last one stays (renderFeatures says so)
    }
    for (const k of CHOICES) s[k] = $(k).value;
    for (const k of NUMBERS) {
      const input = $(k);
      const v = input.value === "" ? NaN : Number(input.value);
      input.classList.toggle("invalid", !Number.isFinite(v));
      if (Number.isFinite(v)) s[k] = v;
    }
    return s;
  }

  /** Apply a change to a fresh copy of the form's setup and report it. */
  function edit(mutate) {
    const s = read();
    mutate(s);
    setup = s;
    onEdit(setup, { structural: true });
  }

  form.addEventListener("change", (evt) => {
    if (evt.target.closest("[data-layers]") || evt.target.name?.startsWith("csv")) return;
    const before = setup.dataset;
    const kept = setup[evt.target.name];
    const s = read();
    if (NUMBERS.includes(evt.target.name) && evt.target.classList.contains("invalid")) {
      // read() kept the value in force: say so, as a refused change is said.
      const label = evt.target.closest("label")?.firstChild?.textContent.trim() || evt.target.name;
      const typed = evt.target.value !== "" ? `"${evt.target.value}"` : evt.target.validity.badInput ? "what was typed" : "an empty field";
      onLimit(`${label}: ${typed} is not a number the page can use, so nothing changed: it stays ${kept}.`);
    }
    onEdit(s, { datasetChanged: s.dataset !== before });
  });
  form.addEventListener("submit", (evt) => {
    evt.preventDefault();
    // Enter in a field submits the form too, after the field's change event: a field that
    // applies to the network on screen (η, batch size, λ, …) has been applied by that change;
    // only a field that takes a new network (the data, the split, a seed) builds, as the button does.
    const field = document.activeElement;
    if (field !== evt.submitter && form.contains(field) && !isStructural(field.name)) return;
    onBuild(read());
  });
  form.querySelector("[data-action=add-layer]").addEventListener("click", () =>
    edit((s) => {
      if (s.hidden.length + 2 > catalog.limits.max_layers) {
        onLimit(`A network has at most ${catalog.limits.max_layers} layers on this server, input and output included (the limit max_layers).`);
        return;
      }
      const last = s.hidden[s.hidden.length - 1];
      s.hidden.push({ size: last?.size ?? 3, activation: last?.activation ?? "tanh" });
    }),
  );
  form.querySelector("[data-action=remove-layer]").addEventListener("click", () => edit((s) => s.hidden.pop()));
  form.querySelector("[data-action=upload]").addEventListener("click", () => {
    const file = $("csv").files[0];
    const fd = new FormData();
    if (file) fd.append("file", file);
    if ($("csv_features").value.trim()) fd.append("features", $("csv_features").value.trim());
    if ($("csv_targets").value.trim()) fd.append("targets", $("csv_targets").value.trim());
    fd.append("standardize", $("csv_standardize").checked ? "true" : "false");
    fd.append("standardize_targets", $("csv_standardize_targets").checked ? "true" : "false");
    fd.append("task", $("csv_task").value);
    fd.append("index_column", $("csv_index").value);
    onUpload(fd, Boolean(file));
  });

  const FIELDS_OF = {
    learning_rate: ["learning_rate"],
    optimizer: ["optimizer", "momentum", "beta1", "beta2"],
    regularization: ["regularization", "regularization_rate"],
    batch_size: ["batch_size"],
    loss: ["loss"],
  };
  /** Outline the fields whose typed value waits to apply (`keys`: setup keys; [] clears). */
  function markPending(keys) {
    const title = "Typed during Play: applies once the epoch in progress has finished";
    for (const node of form.querySelectorAll(".pending")) {
      node.classList.remove("pending");
      node.removeAttribute("title");
    }
    const nodes = keys.flatMap((k) => (k === "activations" ? [...layersEl.querySelectorAll("select")] : (FIELDS_OF[k] ?? []).map($)));
    for (const node of nodes) {
      node.classList.add("pending");
      node.title = title;
    }
  }

  return {
    render,
    read,
    markPending,
    setUploaded(info) {
      uploaded = info;
    },
    /** The uploads the server lists, for the dataset picker (each with its file name and shape). */
    setUploads(list) {
      uploads = list;
      if (setup) render(setup);
    },
  };
}
