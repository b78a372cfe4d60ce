// The only module that talks to the server. Every function returns parsed JSON or throws
// ApiError, whose `detail` is the server's readable sentence (shown next to the control) and
// whose `code` says what went wrong (what the page tests: the sentence's words may change).

import { at } from "./root.js";

export class ApiError extends Error {
  /**
   * `code`: the server's code for the refusal (docs/api.md's error codes), null when the answer
   * carried none (no answer, or not the server's JSON). `network`: the id of the network the
   * request was about (its path's), null for any other request.
   */
  constructor(status, detail, { code = null, network = null } = {}) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.code = code;
    this.network = network;
  }
}

/** The network a request's path is about (`/api/networks/<id>…`), or null. */
function networkOf(path) {
  const id = /^\/api\/networks\/([^/?]+)/.exec(path)?.[1];
  return id ? decodeURIComponent(id) : null;
}

const codeOf = (body) => (body && typeof body.code === "string" ? body.code : null);

function detailOf(body, status) {
  if (body && typeof body.detail === "string") return body.detail;
  if (body && Array.isArray(body.detail)) {
    return body.detail.map((e) => `${(e.loc || []).join(".")}: ${e.msg}`).join("; ");
  }
  return `The server answered ${status}.`;
}

/** The body as JSON, or null when it is empty or not JSON. */
async function jsonOf(res) {
  const text = await res.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** fetch, with a network failure or a non-2xx answer turned into ApiError. */
async function send(path, init) {
  let res;
  try {
    res = await fetch(at(path), init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "Cannot reach the server: is it still running?");
  }
  if (!res.ok) {
    const body = await jsonOf(res).catch(() => null);
    throw new ApiError(res.status, detailOf(body, res.status), { code: codeOf(body), network: networkOf(path) });
  }
  return res;
}

/**
 * Share keys of networks another owner shared with this page (from a link's `share=`): sent
 * with every request about that network, they let the server show it (never change it).
 */
const shareKeys = new Map();

/** Send `key` with the requests about network `id` from now on. */
export function viewWith(id, key) {
  if (key) shareKeys.set(id, key);
}

function headersFor(path) {
  const headers = { Accept: "application/json" };
  const id = networkOf(path);
  const key = id && shareKeys.get(id);
  if (key) headers["X-Share-Key"] = key;
  return headers;
}

async function request(method, path, body, { signal } = {}) {
  const init = { method, headers: headersFor(path), signal };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return jsonOf(await send(path, init));
}

const net = (id) => `/api/networks/${encodeURIComponent(id)}`;

/** The catalog: the copy the page was served with (once), else the server's. */
export function catalog() {
  const served = globalThis.document?.getElementById("catalog-data");
  if (!served) return request("GET", "/api/catalog");
  served.remove();
  return Promise.resolve(JSON.parse(served.textContent));
}
export const previewDataset = (body) => request("POST", "/api/datasets/preview", body);
export const uploadDataset = (form) => request("POST", "/api/datasets", form);
export const getDataset = (id) => request("GET", `/api/datasets/${encodeURIComponent(id)}`);
export const listDatasets = () => request("GET", "/api/datasets?limit=100");
export const deleteDataset = (id) => request("DELETE", `/api/datasets/${encodeURIComponent(id)}`);
/** `scratch`: built by the page for a look; the server keeps only the newest few never changed. */
export const createNetwork = (spec, { scratch = false } = {}) =>
  request("POST", `/api/networks${scratch ? "?scratch=true" : ""}`, spec);
/** Your networks (the teacher's: all), oldest first, a page at a time: {networks, total, limit, offset}. */
export const listNetworks = (limit, offset) => request("GET", `/api/networks?limit=${limit}&offset=${offset}`);
/** Who you are to the server, what you keep and your quotas. */
export const owner = () => request("GET", "/api/owner");
export const renameNetwork = (id, name) => request("PUT", `${net(id)}/name`, { name });
/** {share, link, yours}: the key that lets another owner view the network; whether it is yours to change. */
export const shareKey = (id) => request("GET", `${net(id)}/share`);
export const getNetwork = (id) => request("GET", net(id));
export const patchNetwork = (id, patch) => request("PATCH", net(id), patch);
export const deleteNetwork = (id) => request("DELETE", net(id));
/** Set `weights` and/or `biases` (all layers). */
export const putParameters = (id, body) => request("PUT", `${net(id)}/parameters`, body);
export const resetNetwork = (id) => request("POST", `${net(id)}/reset`, {});
export const networkData = (id) => request("GET", `${net(id)}/data`);
/** Per-epoch history and step losses; with `sinceStep`, only the steps after it. */
export const history = (id, sinceStep) =>
  request("GET", `${net(id)}/history${sinceStep === undefined ? "" : `?since_step=${encodeURIComponent(sinceStep)}`}`);
export const predict = (id, body) => request("POST", `${net(id)}/predict`, body);

/**
 * Every neuron's activation over an R×R grid of the input plane. The server sends each
 * neuron's map as bytes (`"maps": "uint8"`: value ≈ min + (max − min)·byte/255, neuron-major);
 * decoded here to `{axes: {x1, x2}, outputs, layers: [{index, neurons, a}]}` with `a[p][j]` the
 * activation of neuron j at point p = row·R + column (x2 by row, x1 by column).
 * A layer's `a` is decoded when first read: Play fetches a grid after every train call and
 * draws only the outputs while the neuron maps are out of view.
 * `snapshot` ({step} or {epoch}): with the parameters of that timeline snapshot instead.
 */
export async function predictGrid(id, resolution, snapshot = null) {
  const answer = await predict(id, { grid: { resolution }, maps: "uint8", ...(snapshot ? { snapshot } : {}) });
  const points = answer.axes.x1.length * answer.axes.x2.length;
  const layers = answer.maps.map(({ index, min, max, data }) => {
    let a = null;
    return {
      index,
      neurons: min.length,
      get a() {
        a ??= decodeMap(points, min, max, data);
        return a;
      },
    };
  });
  return { axes: answer.axes, outputs: answer.outputs, layers };
}

/** One layer's maps from base64 bytes: `a[p][j]` = min[j] + (max[j] − min[j])·byte/255. */
function decodeMap(points, min, max, data) {
  const text = atob(data);
  const bytes = new Uint8Array(text.length);
  for (let k = 0; k < text.length; k++) bytes[k] = text.charCodeAt(k);
  const a = Array.from({ length: points }, () => new Float64Array(min.length));
  min.forEach((lo, j) => {
    const step = (max[j] - lo) / 255;
    const base = j * points;
    for (let p = 0; p < points; p++) a[p][j] = lo + step * bytes[base + p];
  });
  return a;
}
/** The timeline: kept snapshots, one previewed without rewinding, a rewind. */
export const snapshots = (id) => request("GET", `${net(id)}/snapshots`);
export const previewSnapshot = (id, kind, number) =>
  request("GET", `${net(id)}/snapshots/${encodeURIComponent(kind)}/${encodeURIComponent(number)}`);
/** `point`: {step: S} or {epoch: E}; answers the network as restored. */
export const rewind = (id, point) => request("POST", `${net(id)}/rewind`, point);
export const stopTraining = (id) => request("POST", `${net(id)}/stop`, {});
export const epoch = (id) => request("POST", `${net(id)}/epoch`, {});
export const gradcheck = (id, body = {}) => request("POST", `${net(id)}/gradcheck`, body);
/** The loss over one or two parameters around their values, with the trajectory. */
export const landscape = (id, body, { signal } = {}) => request("POST", `${net(id)}/landscape`, body, { signal });
export const graph = (id, body, { signal } = {}) => request("POST", `${net(id)}/graph`, body, { signal });
/** Each sample's term of one parameter's gradient in the step in progress (after Backward). */
export const gradientShares = (id, body, { signal } = {}) => request("POST", `${net(id)}/gradient-shares`, body, { signal });
export const exportNetwork = (id) => request("GET", `${net(id)}/export`);
export const importNetwork = (doc) => request("POST", "/api/networks/import", doc);

const lessonPath = (id) => `/api/lessons/${encodeURIComponent(id)}`;
export const getLesson = (id) => request("GET", lessonPath(id));
export const startLesson = (id) => request("POST", lessonPath(id) + "/start");
/** A lesson step's text (and prediction) filled from `context`; `stage` "before" or "after". */
export const renderLessonStep = (id, index, context, stage) =>
  request("POST", `${lessonPath(id)}/steps/${index}/render`, { context, stage });
/** A lesson step's own request (`step.request`, its path already naming the network). */
export const lessonRequest = (method, path, body) => request(method, path, body ?? undefined);

/** One phase: "forward" | "loss" | "backward" | "update" | "step". */
export const phase = (id, name, body = {}) => request("POST", `${net(id)}/${name}`, body);

/**
 * POST train with "stream": true and read the server-sent events with fetch + ReadableStream.
 * Calls onEpoch(historyEntry) per epoch; resolves with the `done` payload.
 */
export async function trainStream(id, body, onEpoch, { signal } = {}) {
  const res = await send(`${net(id)}/train`, {
    method: "POST",
    headers: { ...headersFor(net(id)), "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
  const type = res.headers.get("content-type") || "";
  if (!type.includes("text/event-stream")) {
    // A server that answers without streaming: treat it as one batch of epochs.
    const data = await res.json();
    for (const entry of data.history || []) onEpoch(entry);
    return data;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let done = null;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      let event = "message";
      const lines = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) lines.push(line.slice(5).replace(/^ /, ""));
      }
      if (!lines.length) continue;
      const data = JSON.parse(lines.join("\n"));
      if (event === "epoch") onEpoch(data);
      else if (event === "done") done = data;
      else if (event === "error") throw new ApiError(422, detailOf(data, 422), { code: codeOf(data), network: id });
    }
    if (end) break;
  }
  return done;
}
