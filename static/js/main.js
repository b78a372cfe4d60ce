// Bootstrap: load the catalog, create the form, restore the setup from the URL, build the network.

import * as api from "./api.js";
import { $, drawn, form, mountViews, store, view } from "./context.js";
import { connectViews } from "./render.js";
import { wireControls } from "./controls.js";
import { wireTimeline } from "./timeline.js";
import { createConfigPanel } from "./config-panel.js";
import { onBuild, onEdit, onUpload } from "./form-actions.js";
import { DEFAULT_SETUP, applyDatasetDefaults, applyPairing, completeSetup, isUpload } from "./setup.js";
import { fromHash } from "./url-state.js";
import { build, copyOnScreen, loadPreview, openLinked } from "./network-actions.js";
import { setParameter } from "./parameter-actions.js";
import { stopPlaying } from "./play.js";
import { detailOf, setError, status } from "./messages.js";
import { setCaption } from "./captions.js";
import { redrawAllPlots } from "./plot-panel.js";
import { offerFirstLesson } from "./welcome.js";
import { wireExports } from "./export-actions.js";

/** The skip link moves focus without touching the address: the hash holds the setup (or a lesson's step). */
function wireSkipLink() {
  document.querySelector(".skip-link")?.addEventListener("click", (evt) => {
    evt.preventDefault();
    const target = document.getElementById("controls");
    target.focus();
    target.scrollIntoView({ block: "start" });
  });
}

async function start() {
  wireSkipLink();
  mountViews({ onEditParameter: setParameter });
  connectViews();
  wireControls();
  wireExports();
  loadOnFirstUse();
  wireTimeline({ stopPlay: stopPlaying });
  status("Loading the catalog…", true);
  let catalog;
  try {
    catalog = await api.catalog();
  } catch (err) {
    status(`Cannot load the catalog: ${detailOf(err)}`);
    return;
  }
  store.set({ catalog });
  const { setup, networkId, share, given } = fromHash(location.hash);
  if (!catalog.datasets.some((d) => d.name === setup.dataset) && !isUpload(setup)) setup.dataset = DEFAULT_SETUP.dataset;
  completeSetup(setup, given, catalog);
  const known = new Set(catalog.features.map((f) => f.name));
  setup.features = setup.features.filter((f) => known.has(f));
  if (!setup.features.length) setup.features = [...catalog.default_features];
  // A limit the form reaches is said beside the drawing, where the learner is looking.
  const onLimit = (text) => setError("limits", text);
  form.config = createConfigPanel($("[data-config]"), catalog, { onEdit, onBuild, onUpload, onLimit });
  form.config.render(setup);
  // Refused beyond loopback; its refusal also tells a page opened without the class token.
  const uploads = api.listDatasets().then((page) => form.config.setUploads(page.datasets), (err) => err);
  if (document.body.dataset.lesson) {
    // /lessons/<id>: the tour builds the lesson's network and owns the URL's hash (#step=N).
    const { startTour } = await import("./tour/tour.js");
    await startTour(document.body.dataset.lesson, setup);
    return;
  }
  offerFirstLesson(store);
  if (networkId && (await openLinked(networkId, setup, share).catch(() => false))) {
    listenForLinks();
    return;
  }
  let shape = await loadPreview(setup);
  let linkProblem = "";
  if (!shape && isUpload(setup)) {
    // A link to a CSV uploaded on another server (or one since deleted): say so, use the default data.
    const why = document.querySelector('[data-error="dataset"]').textContent;
    setup.dataset = DEFAULT_SETUP.dataset;
    applyPairing(applyDatasetDefaults(setup), "binary", catalog.pairings);
    shape = await loadPreview(setup);
    linkProblem = `The uploaded dataset in the link is not on this server (${why}); showing ${setup.dataset} instead.`;
  }
  form.config.render(setup, shape);
  await build(setup, { shape }); // the URL now names the new network
  if (!store.get().network && (await uploads)?.status === 401) {
    askForTheToken();
    return;
  }
  if (linkProblem) setError("dataset", linkProblem);
  listenForLinks();
}

/** A class server answers 401 to a browser that never opened its address with the token (a
 * share link passed on by itself): the page says so where the learner looks, not "Loading". */
function askForTheToken() {
  const text = "This class server needs its address with the token: open the address your teacher gave you (…/?token=…), then this link again.";
  status(text);
  setError("dataset", "");
  setCaption([text]);
}

/** My networks, the compare launcher and the computational graph load their modules when first
 * opened or scrolled to: the first paint does not wait for them. */
function loadOnFirstUse() {
  const myNetworks = $("[data-action=my-networks]");
  myNetworks.addEventListener(
    "click",
    async () => {
      const { wireMyNetworks } = await import("./my-networks.js");
      const onOpen = (id) => (location.hash = `#net=${encodeURIComponent(id)}`);
      wireMyNetworks({ onOpen, onCopy: copyOnScreen }).open();
    },
    { once: true },
  );
  // The computational graph: when its panel comes onto the screen (or a lesson's step points at
  // it, tour/highlight.js).
  const graph = document.querySelector("[data-graph]");
  const seen = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    seen.disconnect();
    import("./graph-panel.js");
  });
  if (graph) seen.observe(graph);
  const compareLaunch = document.querySelector("[data-compare-launch]");
  compareLaunch?.addEventListener(
    "toggle",
    async () => (await import("./compare/launch.js")).wireCompareLaunch(),
    { once: true },
  );
}

/** A link pasted into the address bar: open its network, or build its setup. */
function listenForLinks() {
  window.addEventListener("hashchange", async () => {
    if (!location.hash.includes("=")) return; // an anchor in the page, not a setup or a network
    const { setup: next, networkId, share, given } = fromHash(location.hash);
    if (networkId === store.get().network?.id) return;
    completeSetup(next, given, store.get().catalog);
    if (networkId && (await openLinked(networkId, next, share).catch(() => false))) return;
    form.config.render(next);
    await build(next);
    form.config.render(next, store.get().shape);
  });
  let resizeTimer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      redrawAllPlots(drawn());
      view.relayout();
    }, 150);
  });
}

start();
