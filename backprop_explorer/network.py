"""A network on the server, as the client holds it: every phase, training, history, the
timeline and the analysis views, each answer decoded into NumPy arrays (see client.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from html import escape
from typing import Any

import numpy as np

from .analysis import (
    Dataset,
    Gradcheck,
    GradientShares,
    Landscape,
    Prediction,
    Snapshot,
    SnapshotPreview,
)
from .drawing import network_svg
from .errors import ApiError, error_for
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
from .wire import Connection, as_json, code_of, detail_of


class Network:
    """A network on the server. ``info`` is its state as of the last answer that carried it."""

    def __init__(self, client: Connection, info: NetworkInfo):
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

    def forward(
        self, inputs: Any = None, *, indices: list[int] | None = None, units: str | None = None
    ) -> ForwardTrace:
        """The next mini-batch, chosen training rows (``indices``) or explicit ``inputs`` (B, n_0);
        ``units="data"``: ``inputs`` are in the data's own units (an upload's columns before
        standardizing, a 2-D point before its features) and the server scales them."""
        self.last_forward = ForwardTrace.from_json(
            self._call("POST", "/forward", _body(inputs=inputs, indices=indices, units=units))
        )
        return self.last_forward

    def loss(self, targets: Any = None, *, units: str | None = None) -> LossTrace:
        """The loss of the forward pass; ``targets`` (B, n_L) are required after explicit inputs
        (``units="data"``: regression targets in the data's units)."""
        return LossTrace.from_json(self._call("POST", "/loss", _body(targets=targets, units=units)))

    def backward(self) -> BackwardTrace:
        """Backpropagate the loss: every layer's ∂L/∂a, f′(z), δ = ∂L/∂z, ∂L/∂W, ∂L/∂b and
        gradient norm, and the gradient health (a 409 before the loss phase)."""
        return BackwardTrace.from_json(self._call("POST", "/backward", {}))

    def update(self) -> UpdateTrace:
        """Apply the optimizer step: each layer's old and new W and b, the step taken, and the
        same batch's loss after it; advances the data cursor (a 409 before backward)."""
        return UpdateTrace.from_json(self._call("POST", "/update", {}))

    def step(
        self,
        inputs: Any = None,
        targets: Any = None,
        *,
        indices: list[int] | None = None,
        units: str | None = None,
    ) -> StepTrace:
        """The four phases at once (``units`` as for :meth:`forward` and :meth:`loss`)."""
        body = _body(inputs=inputs, targets=targets, indices=indices, units=units)
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
        stop_at_accuracy: float | None = None,
        on_epoch: Callable[[HistoryEntry], None] | None = None,
    ) -> TrainResult:
        """Train up to ``epochs`` epochs; with ``patience``, stop early on the validation loss
        (training loss without a hold-out); with ``stop_at_accuracy`` (1.0 = 100 %), as soon as
        the training accuracy reaches it (``TrainResult.stopped_by`` says which rule stopped
        the run). ``on_epoch`` is called with each history entry as it completes (the answer
        is then streamed). A long run without ``on_epoch`` may need a ``Client(timeout=…)``
        above the default 300 s."""
        body: Json = {"epochs": epochs}
        if patience is not None or stop_at_accuracy is not None:
            body["early_stopping"] = {
                "patience": patience,
                "min_delta": min_delta,
                "train_accuracy": stop_at_accuracy,
            }
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
                raise error_for(response.status_code, detail_of(response), "POST", path, code_of(response))
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
                        raise ApiError(
                            response.status_code,
                            payload["detail"],
                            "POST",
                            path,
                            streamed=True,
                            code=payload.get("code"),
                        )
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
        units: str | None = None,
    ) -> Prediction:
        """Outputs and every layer's activations for ``inputs`` (N, n_0), or over a 2-D ``grid``
        (the API's grid object, e.g. ``{"resolution": 40}``); ``maps="uint8"`` asks a server
        that supports it for the compact per-neuron maps, decoded into ``Prediction.maps``.
        ``snapshot={"step": S}`` or ``{"epoch": E}`` evaluates the parameters of that moment.
        ``units="data"``: ``inputs`` in the data's own units; ``Prediction.data_outputs`` then
        holds the outputs in the data's units (standardized targets scaled back)."""
        body = _body(inputs=inputs, grid=grid, maps=maps, snapshot=snapshot, units=units)
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
        return f"{self.client.url.rstrip('/')}{share['link']}"

    def rename(self, name: str | None) -> None:
        """Name the network in its owner's list (None: no name)."""
        self._call("PUT", "/name", {"name": name})

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
