// My networks: the networks this browser keeps on the server (the teacher: every network), with
// their sizes and quotas; open, rename or delete one, or copy a network shared with you.
// A view: it reads through api.js and calls back for what changes the page (onOpen, onCopy).

import * as api from "./api.js";
import { $, form, store } from "./context.js";
import { detailOf, setError } from "./messages.js";
import { durationWords } from "./format.js";
import { trainedWords } from "./moments.js";

const PAGE = 50;

/** "0 bytes", "512 bytes", "31 kB", "4.2 MB": the size as it is, as the server's refusals say it. */
function sizeWords(bytes) {
  if (bytes < 1000) return `${bytes} byte${bytes === 1 ? "" : "s"}`;
  if (bytes < 999500) return `${Math.round(bytes / 1e3)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function el(tag, text = "", attributes = {}) {
  const node = document.createElement(tag);
  node.textContent = text;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

function button(text, onClick, attributes = {}) {
  const node = el("button", text, { type: "button", ...attributes });
  node.addEventListener("click", onClick);
  return node;
}

/** "You keep 3 networks and 1 upload: 1.2 MB of your 250 MB." and what is deleted when. */
function usageText(me, catalog) {
  const { networks, datasets, bytes } = me.usage;
  if (me.teacher) return `Teacher: every network on this server (${plural(networks, "network")}, ${plural(datasets, "upload")}, ${sizeWords(bytes)} in all).`;
  const parts = [
    `You keep ${plural(networks, "network")} of ${me.quotas.networks} and ${plural(datasets, "upload")} of ${me.quotas.datasets}: ${sizeWords(bytes)} of your ${sizeWords(me.quotas.bytes)}.`,
    ` Networks this page built and you never changed: only your newest ${catalog.limits.max_scratch_networks} are kept.`,
  ];
  const idle = me.quotas.expire_idle_seconds;
  if (idle > 0) parts.push(` Networks nobody changed for ${durationWords(idle)} are deleted.`);
  return parts.join("");
}

/** Wire the header's "My networks" button to its dialog. */
export function wireMyNetworks({ onOpen, onCopy }) {
  const dialog = $("[data-my-networks]");
  const rows = $("[data-my-rows]");
  const more = $("[data-action=my-more]");
  let shown = 0;
  let teacher = false;

  function row(summary) {
    const onScreen = summary.id === store.get().network?.id;
    const tr = el("tr", "", { "data-network-id": summary.id });
    const name = el("td");
    const label = el("span", summary.name ?? "(no name)", summary.name ? {} : { class: "muted" });
    name.append(label);
    if (onScreen) name.append(el("span", " · on screen", { class: "muted" }));
    if (teacher) name.append(el("div", summary.owner ? `owner ${summary.owner.length > 10 ? `${summary.owner.slice(0, 10)}…` : summary.owner}` : "anonymous", { class: "muted" }));
    const actions = el("td", "", { class: "my-actions" });
    const rename = () => {
      const input = el("input", "", { type: "text", maxlength: String(store.get().catalog.limits.max_name_length), "aria-label": "Name" });
      input.value = summary.name ?? "";
      const save = async () => {
        try {
          const answer = await api.renameNetwork(summary.id, input.value);
          summary.name = answer.name;
          tr.replaceWith(row(summary));
        } catch (err) {
          setError("my-networks", detailOf(err));
        }
      };
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") save();
      });
      name.replaceChildren(input, button("Save", save));
      input.focus();
    };
    const remove = () => {
      actions.replaceChildren(
        el("span", "Delete for good? "),
        button("Delete", async () => {
          try {
            await api.deleteNetwork(summary.id);
            tr.remove();
            shown -= 1; // the rows after it move up one: Show more asks from one place earlier
            refreshUsage();
          } catch (err) {
            setError("my-networks", detailOf(err));
          }
        }, { class: "danger" }),
        button("Keep", () => tr.replaceWith(row(summary))),
      );
    };
    actions.append(
      button("Open", () => {
        dialog.close();
        onOpen(summary.id);
      }, onScreen ? { disabled: "" } : {}),
      button("Rename", rename),
      button("Delete", remove, onScreen ? { disabled: "", title: "It is on screen: open or build another one first" } : {}),
    );
    tr.append(
      name,
      el("td", summary.layers.join("–")),
      el("td", trainedWords(summary)),
      el("td", sizeWords(summary.bytes)),
      el("td", new Date(summary.updated_at * 1000).toLocaleString()),
      actions,
    );
    return tr;
  }

  async function refreshUsage() {
    try {
      const me = await api.owner();
      teacher = me.teacher;
      $("[data-my-title]").textContent = me.teacher ? "Every network" : "My networks";
      $("[data-my-usage]").textContent = usageText(me, store.get().catalog);
    } catch (err) {
      setError("my-networks", detailOf(err));
    }
  }

  /** One upload: its file and shape, and Delete (refused with 409 while a network uses it). */
  function uploadRow(upload) {
    const li = el("li", "", { "data-dataset-id": upload.dataset_id });
    const shape = `${plural(upload.n_samples, "row")}, ${plural(upload.n_features, "input")}`;
    const describe = () => [el("span", upload.file_name ?? "(no file name)"), el("span", ` · ${shape} `, { class: "muted" })];
    const remove = () => {
      li.replaceChildren(
        ...describe(),
        el("span", "Delete for good? "),
        button("Delete", async () => {
          try {
            await api.deleteDataset(upload.dataset_id);
            li.remove();
            refreshUsage();
            refreshUploads();
          } catch (err) {
            setError("my-networks", detailOf(err));
            li.replaceWith(uploadRow(upload));
          }
        }, { class: "danger" }),
        button("Keep", () => li.replaceWith(uploadRow(upload))),
      );
    };
    li.append(...describe(), button("Delete", remove));
    return li;
  }

  /** The uploads kept (the teacher: everyone's); the form's list of uploads follows. */
  async function refreshUploads() {
    try {
      const page = await api.listDatasets();
      $("[data-my-upload-rows]").replaceChildren(...page.datasets.map(uploadRow));
      $("[data-my-uploads]").hidden = page.datasets.length === 0;
      form.config?.setUploads(page.datasets);
    } catch (err) {
      setError("my-networks", detailOf(err));
    }
  }

  async function load(offset) {
    setError("my-networks", "");
    try {
      const page = await api.listNetworks(PAGE, offset);
      if (offset === 0) rows.replaceChildren();
      for (const summary of page.networks) rows.append(row(summary)); // oldest first, as the server lists them
      shown = offset + page.networks.length;
      more.hidden = shown >= page.total;
      if (!page.total) {
        const empty = el("tr");
        empty.append(el("td", "No networks yet.", { colspan: "6" }));
        rows.append(empty);
      }
    } catch (err) {
      setError("my-networks", detailOf(err));
    }
  }

  // The list says it is busy while it is fetched again: its rows are about to be replaced, and
  // a Delete half-confirmed on one of them would be lost with it.
  async function open() {
    $("[data-my-copy]").hidden = store.get().sharing?.yours !== false;
    rows.setAttribute("aria-busy", "true");
    dialog.showModal();
    try {
      await refreshUsage();
      await load(0);
      await refreshUploads();
    } finally {
      rows.removeAttribute("aria-busy");
    }
  }
  $("[data-action=my-networks]").addEventListener("click", open);
  more.addEventListener("click", () => load(shown));
  $("[data-action=my-close]").addEventListener("click", () => dialog.close());
  $("[data-action=copy-shared]").addEventListener("click", async () => {
    try {
      await onCopy();
      dialog.close();
    } catch (err) {
      setError("my-networks", detailOf(err));
    }
  });
  return { open };
}
