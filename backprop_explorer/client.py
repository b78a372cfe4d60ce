"""A Python client for the REST API: every phase, training and history, with NumPy arrays back.

    from backprop_explorer import Client

    with Client("http://127.0.0.1:8000") as api:
        net = api.create({"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                          "data": {"generator": "xor"}})
        trace = net.step()                      # forward, loss, backward, update
        trace.backward.layer(1).dL_dW           # layer 1 as the page numbers it: (4, 2)
        result = net.train(200)
        result.history.train_loss               # ndarray, one value per epoch

``Client()`` without an address reads ``BACKPROP_EXPLORER_URL`` (default
http://127.0.0.1:8000) and ``BACKPROP_EXPLORER_TOKEN``. Arrays go out as nested lists
(anything ``numpy.asarray`` takes) and come back as float64 ndarrays with the API's shapes
(batch-first; ``W[l]`` is ``(n_l, n_{l-1})``); ``layer(l)`` is layer ``l`` as the page and the
API number it (``layers[l - 1]``). Field names are the API's. An error answer raises an
:class:`ApiError` of its kind (:mod:`backprop_explorer.errors`), and so does a server that
cannot be reached. Every result keeps the decoded JSON in ``raw``. In a notebook a
:class:`Network` draws itself (``_repr_html_``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import numpy as np

from .analysis import (
    Dataset,
    DatasetInfo,
    Gradcheck,
    GradientShares,
    Landscape,
    Prediction,
    Snapshot,
    SnapshotPreview,
)
from .drawing import network_svg
from .errors import ApiError, UnreachableError, error_for
from .results import (
    BackwardTrace,
    ForwardTrace,
    History,
    HistoryEntry,
    Json,
    LossTrace,
    NetworkInfo,
    Parameters,
    StepTrace,
    TrainResult,
    UpdateTrace,
)

DEFAULT_URL = "http://127.0.0.1:8000"
URL_VARIABLE, TOKEN_VARIABLE = "BACKPROP_EXPLORER_URL", "BACKPROP_EXPLORER_TOKEN"


def as_json(value: Any) -> Any:
    """Nested lists for ndarrays (and NumPy scalars), inside dicts and lists too."""
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, Mapping):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    return value


# --- the client --------------------------------------------------------------------------


class Client:
    """One HTTP connection pool to a Backprop Explorer server; use it as a context manager.

    ``url`` defaults to ``BACKPROP_EXPLORER_URL``, then http://127.0.0.1:8000; ``token`` (a
    server other machines can reach needs one) to ``BACKPROP_EXPLORER_TOKEN``, or the
    ``?token=`` of an address the server printed. ``headers`` are sent with every request.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        token: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 300.0,
    ) -> None:
        base, in_url = _split_token(url or os.environ.get(URL_VARIABLE) or DEFAULT_URL)
        self.url = base
        self.token = token or in_url or os.environ.get(TOKEN_VARIABLE) or None
        sent = dict(headers or {})
        if self.token:
            sent.setdefault("Authorization", f"Bearer {self.token}")
        self.http = httpx.Client(base_url=base, timeout=timeout, headers=sent)

    def __repr__(self) -> str:
        return f"Client({self.url!r}{', token=…' if self.token else ''})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (leaving a ``with`` block does it)."""
        self.http.close()

    @contextmanager
    def _reaching(self, method: str, path: str) -> Iterator[None]:
        """Turn a failed connection into one :class:`UnreachableError` line, without httpx's chain."""
        try:
            yield
        except httpx.TimeoutException:
            timeout = self.http.timeout.read
            raise UnreachableError(
                None, f"the server at {self.url} did not answer within {timeout:g} s "
                "(a long train may need Client(timeout=…))", method, path,
            ) from None  # fmt: skip
        except httpx.TransportError as error:
            raise UnreachableError(
                None, f"cannot reach a server at {self.url} ({error or type(error).__name__}): start one "
                f"with `backprop-explorer serve`, or set {URL_VARIABLE}", method, path,
            ) from None  # fmt: skip

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """The decoded JSON answer (``None`` for 204); an :class:`ApiError` of its kind for a
        4xx or 5xx, :class:`UnreachableError` when no answer came."""
        with self._reaching(method, path):
            response = self.http.request(
                method, path, json=None if body is None else as_json(body), params=params or None
            )
        if response.is_error:
            raise error_for(response.status_code, _detail(response), method, path)
        return response.json() if response.content else None

    def health(self) -> Json:
        """``{"status": "ok", "version": …}``: the server answers (no token needed)."""
        return self.request("GET", "/api/health")

    def catalog(self) -> Json:
        """Activations, losses, optimizers, initializers, datasets, phases and the limits in force."""
        return self.request("GET", "/api/catalog")

    def create(self, spec: Mapping[str, Any]) -> Network:
        """A new network from a spec (the API's fields; ndarrays allowed for weights and data)."""
        return Network(self, NetworkInfo.from_json(self.request("POST", "/api/networks", spec)))

    def network(self, network_id: str) -> Network:
        """The stored network with this id."""
        return Network(self, NetworkInfo.from_json(self.request("GET", f"/api/networks/{network_id}")))

    def networks(self) -> list[Json]:
        """A summary of every stored network, oldest first (the server pages them; this
        fetches every page)."""
        return self._every("/api/networks", "networks")

    def import_network(self, document: Mapping[str, Any]) -> Network:
        """A new network from a document :meth:`Network.export` returned."""
        return Network(self, NetworkInfo.from_json(self.request("POST", "/api/networks/import", document)))

    # --- uploaded datasets -----------------------------------------------------------------

    def upload_csv(
        self,
        path: str | os.PathLike[str],
        *,
        features: Sequence[str] | None = None,
        targets: Sequence[str] | None = None,
        standardize: bool = True,
        standardize_targets: bool = False,
        task: str = "auto",
        index_column: str = "auto",
    ) -> DatasetInfo:
        """Upload the CSV file at ``path`` (a header row, then rows). By default the last column
        is the target and the others features; a target column of labels (strings, or integers
        0…K−1 or 1…K) is a classification target, ``task="classification"`` or
        ``"regression"`` forces one. ``standardize`` scales each feature to mean 0, std 1
        (the answer keeps ``means`` and ``stds``); ``index_column="auto"`` leaves out an
        unnamed first column (pandas' index), ``"ignore"`` any first column, ``"keep"`` none.
        Use the answer as ``"data": {"dataset_id": info.dataset_id}`` in a spec."""
        file = Path(path)
        form: dict[str, str] = {
            "standardize": str(standardize).lower(),
            "standardize_targets": str(standardize_targets).lower(),
            "task": task,
            "index_column": index_column,
        }
        if features:
            form["features"] = ",".join(features)
        if targets:
            form["targets"] = ",".join(targets)
        with self._reaching("POST", "/api/datasets"):
            response = self.http.post(
                "/api/datasets", files={"file": (file.name, file.read_bytes(), "text/csv")}, data=form
            )
        if response.is_error:
            raise error_for(response.status_code, _detail(response), "POST", "/api/datasets")
        return DatasetInfo.from_json(response.json())

    def datasets(self) -> list[DatasetInfo]:
        """Every uploaded dataset, oldest first, with its file name and shape (not its rows)."""
        return [DatasetInfo.from_json(d) for d in self._every("/api/datasets", "datasets")]

    def dataset(self, dataset_id: str) -> DatasetInfo:
        """One uploaded dataset with its stored rows (``inputs``, ``targets``)."""
        return DatasetInfo.from_json(self.request("GET", f"/api/datasets/{dataset_id}"))

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete an uploaded dataset (a :class:`ConflictError` while a network uses it)."""
        self.request("DELETE", f"/api/datasets/{dataset_id}")

    def _every(self, path: str, key: str) -> list[Json]:
        items: list[Json] = []
        while True:
            page = self.request("GET", path, limit=1000, offset=len(items))
            items.extend(page[key])
            if not page[key] or len(items) >= page["total"]:
                return items


def _split_token(url: str) -> tuple[str, str | None]:
    """(the address without ``?token=…``, that token): an address the server printed works as is."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    token = dict(query).get("token")
    rest = urlencode([(k, v) for k, v in query if k != "token"])
    return urlunsplit(parts._replace(query=rest, fragment="")).rstrip("/"), token


def _detail(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        return response.text


class Network:
    """A network on the server. ``info`` is its state as of the last answer that carried it."""

    def __init__(self, client: Client, info: NetworkInfo):
        self.client, self.info, self.id = client, info, info.id
        self.path = f"/api/networks/{info.id}"
        self.last_forward: ForwardTrace | None = None  # the last forward pass run through this object

    def __repr__(self) -> str:
        return (
            f"Network({self.id!r}, layers={self.info.layers}, epoch={self.info.epoch}, step={self.info.step})"
        )

    def _repr_html_(self) -> str:
        """The network as a static SVG (no script), read from the server as it is now: its
        weights and biases and, when the last :meth:`forward` through this object ran on these
        parameters, each neuron's activation on its first sample (what a notebook shows)."""
        try:
            self.refresh()
        except ApiError as error:  # drawn as last known, and said so
            return f"<p>{escape(str(error))}</p>" + network_svg(self.info)
        forward, params = self.last_forward, self.info.parameters
        current = forward is not None and all(
            np.array_equal(layer.W, W) and np.array_equal(layer.b, b)
            for layer, W, b in zip(forward.layers, params.weights, params.biases, strict=True)
        )  # the pass ran on the parameters the network has now
        return network_svg(self.info, forward if current else None)

    def _call(self, method: str, action: str = "", body: Any = None, **params: Any) -> Any:
        return self.client.request(method, f"{self.path}{action}", body, **params)

    def _info(self, data: Json) -> NetworkInfo:
        self.info = NetworkInfo.from_json(data)
        return self.info

    @property
    def parameters(self) -> Parameters:
        """The weights and biases as of ``info`` (``parameters.W(l)``, ``.b(l)`` by layer number)."""
        return self.info.parameters

    def refresh(self) -> NetworkInfo:
        """Read the network from the server again (its epoch, step, phase and parameters)."""
        return self._info(self._call("GET"))

    def forward(self, inputs: Any = None, *, indices: list[int] | None = None) -> ForwardTrace:
        """The next mini-batch, chosen training rows (``indices``) or explicit ``inputs`` (B, n_0)."""
        self.last_forward = ForwardTrace.from_json(
            self._call("POST", "/forward", _body(inputs=inputs, indices=indices))
        )
        return self.last_forward

    def loss(self, targets: Any = None) -> LossTrace:
        """The loss of the forward pass; ``targets`` (B, n_L) are required after explicit inputs."""
        return LossTrace.from_json(self._call("POST", "/loss", _body(targets=targets)))

    def backward(self) -> BackwardTrace:
        """Backpropagate the loss: every layer's ∂L/∂a, f′(z), δ = ∂L/∂z, ∂L/∂W, ∂L/∂b and
        gradient norm, and the gradient health (a 409 before the loss phase)."""
        return BackwardTrace.from_json(self._call("POST", "/backward", {}))

    def update(self) -> UpdateTrace:
        """Apply the optimizer step: each layer's old and new W and b, the step taken, and the
        same batch's loss after it; advances the data cursor (a 409 before backward)."""
        return UpdateTrace.from_json(self._call("POST", "/update", {}))

    def step(self, inputs: Any = None, targets: Any = None, *, indices: list[int] | None = None) -> StepTrace:
        """The four phases at once."""
        body = _body(inputs=inputs, targets=targets, indices=indices)
        return StepTrace.from_json(self._call("POST", "/step", body))

    def epoch(self) -> TrainResult:
        """Finish the current epoch (``history`` holds its one entry, or none when it diverged)."""
        data = self._call("POST", "/epoch", {})
        summary = data.get("summary")
        history = data.get("history", [summary] if summary else [])
        result = TrainResult.from_json(
            {**data, "history": history, "epochs_run": len(history), "stopped_early": False}
        )
        self.info = result.network
        return result

    def train(
        self,
        epochs: int,
        *,
        patience: int | None = None,
        min_delta: float = 0.0,
        on_epoch: Callable[[HistoryEntry], None] | None = None,
    ) -> TrainResult:
        """Train up to ``epochs`` epochs; with ``patience``, stop early on the validation loss
        (training loss without a hold-out). ``on_epoch`` is called with each history entry as
        it completes (the answer is then streamed). A long run without ``on_epoch`` may need a
        ``Client(timeout=…)`` above the default 300 s."""
        body: Json = {"epochs": epochs}
        if patience is not None:
            body["early_stopping"] = {"patience": patience, "min_delta": min_delta}
        if on_epoch is None:
            data = self._call("POST", "/train", body)
        else:
            data = self._stream_train({**body, "stream": True}, on_epoch)
        result = TrainResult.from_json(data)
        self.info = result.network
        return result

    def _stream_train(self, body: Json, on_epoch: Callable[[HistoryEntry], None]) -> Json:
        path = f"{self.path}/train"
        # Leaving this block early (an exception in on_epoch, Ctrl-C) closes the stream, and the
        # server then stops the run after its current epoch, keeping what it trained.
        with (
            self.client._reaching("POST", path),
            self.client.http.stream("POST", path, json=as_json(body)) as response,
        ):
            if response.is_error:
                response.read()
                raise error_for(response.status_code, _detail(response), "POST", path)
            kind, data = "", ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    kind = line[len("event:") :].strip()
                elif line.startswith("data:"):
                    data += line[len("data:") :].strip()
                elif not line and kind:
                    payload = json.loads(data)
                    if kind == "epoch":
                        on_epoch(HistoryEntry.from_json(payload))
                    elif kind == "done":
                        return payload
                    elif kind == "error":
                        raise ApiError(response.status_code, payload["detail"], "POST", path, streamed=True)
                    kind, data = "", ""
        raise ApiError(response.status_code, "the stream ended without a result", "POST", path, streamed=True)

    def stop(self) -> bool:
        """Ask a running ``train`` on this network to stop after its current epoch."""
        return bool(self._call("POST", "/stop", {})["stopping"])

    def history(self, since_step: int | None = None) -> History:
        """Per-epoch metrics, and the loss of each kept update (after ``since_step`` if given)."""
        params = {} if since_step is None else {"since_step": since_step}
        return History.from_json(self._call("GET", "/history", **params))

    def data(self) -> Dataset:
        """The network's data as it sees it, with the training and validation rows, the column
        names, a label column's classes and, for pictures, their shape."""
        return Dataset.from_json(self._call("GET", "/data"))

    def predict(
        self,
        inputs: Any = None,
        *,
        grid: Mapping[str, Any] | None = None,
        maps: str | None = None,
        snapshot: Mapping[str, int] | None = None,
    ) -> Prediction:
        """Outputs and every layer's activations for ``inputs`` (N, n_0), or over a 2-D ``grid``
        (the API's grid object, e.g. ``{"resolution": 40}``); ``maps="uint8"`` asks a server
        that supports it for the compact per-neuron maps, decoded into ``Prediction.maps``.
        ``snapshot={"step": S}`` or ``{"epoch": E}`` evaluates the parameters of that moment."""
        body = _body(inputs=inputs, grid=grid, maps=maps, snapshot=snapshot)
        return Prediction.from_json(self._call("POST", "/predict", body))

    def gradcheck(self, inputs: Any = None, targets: Any = None) -> Gradcheck:
        """Central finite differences against backprop for every parameter."""
        return Gradcheck.from_json(self._call("POST", "/gradcheck", _body(inputs=inputs, targets=targets)))

    def set_parameters(self, weights: Any = None, biases: Any = None) -> NetworkInfo:
        """Set the weights and/or biases of every layer (a list of arrays, one per layer)."""
        return self._info(self._call("PUT", "/parameters", _body(weights=weights, biases=biases)))

    def configure(self, **changes: Any) -> NetworkInfo:
        """Change hyperparameters (``learning_rate``, ``optimizer``, ``loss``, …) for the next step."""
        return self._info(self._call("PATCH", "", changes))

    def reset(self) -> NetworkInfo:
        """Re-initialize from the spec and seed; clears history and optimizer state."""
        return self._info(self._call("POST", "/reset", {}))

    def export(self) -> Json:
        """The JSON document (spec, parameters, optimizer state, history) import takes back."""
        return self._call("GET", "/export")

    def delete(self) -> None:
        """Delete the network from the server (this object then answers 404)."""
        self._call("DELETE")

    # --- the timeline and the analysis views ------------------------------

    def snapshots(self) -> list[Snapshot]:
        """Every kept snapshot, oldest first: after each epoch and each of the recent updates."""
        return [Snapshot.from_json(s) for s in self._call("GET", "/snapshots")["snapshots"]]

    def snapshot(self, *, step: int | None = None, epoch: int | None = None) -> SnapshotPreview:
        """The network as it was after update ``step`` or epoch ``epoch``; nothing is rewound."""
        kind, number = _point(step, epoch)
        return SnapshotPreview.from_json(self._call("GET", f"/snapshots/{kind}/{number}"))

    def rewind(self, *, step: int | None = None, epoch: int | None = None) -> NetworkInfo:
        """Restore the snapshot after update ``step`` or epoch ``epoch`` exactly and drop the
        history after it; training on repeats the original run bit for bit."""
        kind, number = _point(step, epoch)
        return self._info(self._call("POST", "/rewind", {kind: number}))

    def landscape(
        self,
        parameters: list[Mapping[str, Any]],
        *,
        radius: float | None = None,
        points: int | None = None,
        data: str | None = None,
    ) -> Landscape:
        """The loss along one or two parameters (``{"layer": l, "name": "W", "index": [j, i]}``
        or ``{"layer": l, "name": "b", "index": [j]}``), every other one held fixed; ``data``
        is ``"train"`` (the training split) or ``"batch"`` (the step in progress)."""
        body = _body(parameters=list(parameters), radius=radius, points=points, data=data)
        return Landscape.from_json(self._call("POST", "/landscape", body))

    def gradient_shares(self, layer: int, name: str, index: list[int]) -> GradientShares:
        """Each sample's term of ∂L/∂p for ``W[layer][j, i]`` (``index=[j, i]``) or
        ``b[layer][j]`` (``index=[j]``), after a backward pass."""
        return GradientShares.from_json(
            self._call("POST", "/gradient-shares", {"layer": layer, "name": name, "index": list(index)})
        )


def _point(step: int | None, epoch: int | None) -> tuple[str, int]:
    if step is not None and epoch is None:
        return "step", step
    if epoch is not None and step is None:
        return "epoch", epoch
    raise TypeError("give exactly one of step= or epoch=")


def _body(**fields: Any) -> Json:
    return {key: value for key, value in fields.items() if value is not None}
