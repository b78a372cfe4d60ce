"""A Python client for the REST API: every phase, training and history, with NumPy arrays back.

    from backprop_explorer import Client

    with Client("http://127.0.0.1:8000") as api:
        net = api.create({"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                          "data": {"generator": "xor"}})
        trace = net.step()                      # forward, loss, backward, update
        trace.backward.layers[0].dL_dW          # ndarray of shape (4, 2)
        result = net.train(200)
        result.history.train_loss               # ndarray, one value per epoch

Arrays go out as nested lists (anything ``numpy.asarray`` takes) and come back as float64
ndarrays with the API's shapes (batch-first; ``W[l]`` is ``(n_l, n_{l-1})``); layers are
listed by ``index`` 1..L, so ``layers[0]`` is layer 1. Field names are the API's. An error
answer raises :class:`ApiError` with the status code and the server's ``detail``. Every
result keeps the decoded JSON in ``raw`` for fields this module does not name.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import numpy as np

from .results import (
    BackwardTrace,
    Dataset,
    ForwardTrace,
    Gradcheck,
    GradientShares,
    History,
    HistoryEntry,
    Json,
    Landscape,
    LossTrace,
    NetworkInfo,
    Parameters,
    Prediction,
    Snapshot,
    SnapshotPreview,
    StepTrace,
    TrainResult,
    UpdateTrace,
)


class ApiError(Exception):
    """An error answer: ``status_code`` (404, 409, 413, 422, …) and the server's ``detail``.

    A streamed ``train`` that fails after the stream began reports ``status_code`` 200 (what
    the stream answered) and ``streamed`` true.
    """

    def __init__(self, status_code: int, detail: Any, method: str, path: str, *, streamed: bool = False):
        self.status_code, self.detail, self.method, self.path = status_code, detail, method, path
        self.streamed = streamed
        super().__init__(f"{method} {path} → {status_code}: {detail}")


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

    The networks a client creates belong to its ``owner_key`` (sent as ``X-Owner-Key``): another
    owner, a browser included, gets 404 for them unless given a network's share link
    (:meth:`Network.share_link`). By default each client makes up a key of its own; pass the
    same key again (keep it secret: it is the key to those networks) to open them from
    another run. ``token``: the server's class or teacher token, if it needs one.
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        timeout: float = 300.0,
        owner_key: str | None = None,
        token: str | None = None,
    ):
        self.owner_key = owner_key or secrets.token_urlsafe(24)
        headers = {"X-Owner-Key": self.owner_key}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers=headers)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """The decoded JSON answer (``None`` for 204); :class:`ApiError` for a 4xx or 5xx."""
        response = self.http.request(
            method, path, json=None if body is None else as_json(body), params=params or None
        )
        if response.is_error:
            raise ApiError(response.status_code, _detail(response), method, path)
        return response.json() if response.content else None

    def health(self) -> Json:
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
        summaries: list[Json] = []
        while True:
            page = self.request("GET", "/api/networks", limit=1000, offset=len(summaries))
            summaries.extend(page["networks"])
            if not page["networks"] or len(summaries) >= page["total"]:
                return summaries

    def import_network(self, document: Mapping[str, Any]) -> Network:
        """A new network from a document :meth:`Network.export` returned."""
        return Network(self, NetworkInfo.from_json(self.request("POST", "/api/networks/import", document)))


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

    def __repr__(self) -> str:
        return (
            f"Network({self.id!r}, layers={self.info.layers}, epoch={self.info.epoch}, step={self.info.step})"
        )

    def _call(self, method: str, action: str = "", body: Any = None, **params: Any) -> Any:
        return self.client.request(method, f"{self.path}{action}", body, **params)

    def _info(self, data: Json) -> NetworkInfo:
        self.info = NetworkInfo.from_json(data)
        return self.info

    @property
    def parameters(self) -> Parameters:
        return self.info.parameters

    def refresh(self) -> NetworkInfo:
        return self._info(self._call("GET"))

    def forward(self, inputs: Any = None, *, indices: list[int] | None = None) -> ForwardTrace:
        """The next mini-batch, chosen training rows (``indices``) or explicit ``inputs`` (B, n_0)."""
        return ForwardTrace.from_json(self._call("POST", "/forward", _body(inputs=inputs, indices=indices)))

    def loss(self, targets: Any = None) -> LossTrace:
        """The loss of the forward pass; ``targets`` (B, n_L) are required after explicit inputs."""
        return LossTrace.from_json(self._call("POST", "/loss", _body(targets=targets)))

    def backward(self) -> BackwardTrace:
        return BackwardTrace.from_json(self._call("POST", "/backward", {}))

    def update(self) -> UpdateTrace:
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
        with self.client.http.stream("POST", path, json=as_json(body)) as response:
            if response.is_error:
                response.read()
                raise ApiError(response.status_code, _detail(response), "POST", path)
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

    def share_link(self) -> str:
        """The page's address of this network with its share key: whoever opens it may view the
        network (not change it)."""
        share = self._call("GET", "/share")
        return f"{str(self.client.http.base_url).rstrip('/')}{share['link']}"

    def rename(self, name: str | None) -> None:
        """Name the network in its owner's list (None: no name)."""
        self._call("PUT", "/name", {"name": name})

    def delete(self) -> None:
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
