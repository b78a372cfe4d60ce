"""Typed results of the REST API: each answer decoded into dataclasses holding float64 ndarrays.

Field names are the API's (``z``, ``a``, ``dL_da``, ``da_dz``, ``dL_dz``, ``dL_dW``, ``W``, ``b``,
layer ``index``); shapes are the API's, batch-first, ``W[l]`` of shape ``(n_l, n_{l-1})``.
Layers are listed by ``index`` 1..L, so ``layers[0]`` is layer 1. Every top-level result keeps
the decoded JSON in ``raw`` for the fields it does not name.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Json = dict[str, Any]


def _array(value: Any) -> Array:
    """float64 ndarray; ``None`` inside becomes NaN (a metric that does not apply)."""
    return np.array(value, dtype=np.float64)


def _optional(value: Any) -> Array | None:
    return None if value is None else _array(value)


# --- the network and its state -----------------------------------------------------------


@dataclass(frozen=True)
class Parameters:
    weights: list[Array]  # W[l] of shape (n_l, n_{l-1}), l = 1..L
    biases: list[Array]  # b[l] of shape (n_l,)

    @classmethod
    def from_json(cls, data: Json) -> Parameters:
        return cls([_array(w) for w in data["weights"]], [_array(b) for b in data["biases"]])


@dataclass(frozen=True)
class NetworkInfo:
    """What the server holds for a network (``GET /api/networks/{id}``)."""

    id: str
    layers: list[int]
    activations: list[str]
    loss: str
    learning_rate: float
    phase: str  # the last phase completed in the current step, or "ready"
    epoch: int  # completed epochs
    step: int  # updates applied
    task: str | None
    parameters: Parameters
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> NetworkInfo:
        return cls(
            data["id"], list(data["layers"]), list(data["activations"]), data["loss"],
            data["learning_rate"], data["phase"], data["epoch"], data["step"], data.get("task"),
            Parameters.from_json(data["parameters"]), data,
        )  # fmt: skip


# --- the four phases ---------------------------------------------------------------------


@dataclass(frozen=True)
class ForwardLayer:
    index: int
    activation: str
    W: Array  # (n_l, n_{l-1})
    b: Array  # (n_l,)
    z: Array  # (B, n_l)
    a: Array  # (B, n_l)


@dataclass(frozen=True)
class ForwardTrace:
    inputs: Array  # (B, n_0)
    layers: list[ForwardLayer]
    output: Array  # (B, n_L)
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> ForwardTrace:
        layers = [
            ForwardLayer(
                layer["index"], layer["activation"], *(_array(layer[k]) for k in ("W", "b", "z", "a"))
            )
            for layer in data["layers"]
        ]
        return cls(_array(data["inputs"]), layers, _array(data["output"]), data)


@dataclass(frozen=True)
class LossTrace:
    loss: float  # data_loss + penalty: the one scalar every gradient differentiates
    data_loss: float
    penalty: float
    per_sample: Array  # (B,)
    targets: Array  # (B, n_L)
    output: Array  # (B, n_L)
    dL_da: Array  # (B, n_L), with respect to the output activations
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> LossTrace:
        return cls(
            data["loss"], data["data_loss"], data["penalty"], _array(data["per_sample"]),
            _array(data["targets"]), _array(data["output"]), _array(data["dL_da"]), data,
        )  # fmt: skip


@dataclass(frozen=True)
class BackwardLayer:
    index: int
    dL_da: Array  # (B, n_l)
    da_dz: Array | None  # (B, n_l); None for softmax, whose dL_dz is given directly
    dL_dz: Array  # (B, n_l), δ: already carries the batch mean's 1/B
    dL_dW: Array  # (n_l, n_{l-1})
    dL_db: Array  # (n_l,)
    grad_norm: float


@dataclass(frozen=True)
class BackwardTrace:
    layers: list[BackwardLayer]
    health: Json  # vanishing / exploding flags, per-layer ratios and the thresholds
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> BackwardTrace:
        layers = [
            BackwardLayer(
                layer["index"],
                _array(layer["dL_da"]),
                _optional(layer["da_dz"]),
                _array(layer["dL_dz"]),
                _array(layer["dL_dW"]),
                _array(layer["dL_db"]),
                layer["grad_norm"],
            )  # fmt: skip
            for layer in data["layers"]
        ]
        return cls(layers, data["health"], data)


@dataclass(frozen=True)
class UpdateLayer:
    index: int
    W_old: Array
    dL_dW: Array
    step_W: Array  # the change actually applied: W_new = W_old + step_W
    W_new: Array
    b_old: Array
    dL_db: Array
    step_b: Array
    b_new: Array


UPDATE_ARRAYS = ("W_old", "dL_dW", "step_W", "W_new", "b_old", "dL_db", "step_b", "b_new")


@dataclass(frozen=True)
class UpdateTrace:
    learning_rate: float
    optimizer: str
    layers: list[UpdateLayer]
    loss_after: float | None  # the same batch's loss with the new parameters (None: it overflowed)
    epoch: int
    step: int
    epoch_completed: bool
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> UpdateTrace:
        layers = [
            UpdateLayer(layer["index"], *(_array(layer[k]) for k in UPDATE_ARRAYS))
            for layer in data["layers"]
        ]
        return cls(
            data["learning_rate"], data["optimizer"], layers, data["loss_after"], data["epoch"],
            data["step"], data["epoch_completed"], data,
        )  # fmt: skip


@dataclass(frozen=True)
class StepTrace:
    forward: ForwardTrace
    loss: LossTrace
    backward: BackwardTrace
    update: UpdateTrace

    @classmethod
    def from_json(cls, data: Json) -> StepTrace:
        return cls(
            ForwardTrace.from_json(data["forward"]), LossTrace.from_json(data["loss"]),
            BackwardTrace.from_json(data["backward"]), UpdateTrace.from_json(data["update"]),
        )  # fmt: skip


# --- epochs, training, history -----------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    epoch: int
    train_loss: float | None  # over the whole training split, after the epoch
    val_loss: float | None  # None without a validation hold-out
    train_accuracy: float | None  # None for regression
    val_accuracy: float | None
    grad_norms: Array  # (L,): the mean ‖∂L/∂W‖ of each layer over the epoch's updates

    @classmethod
    def from_json(cls, data: Json) -> HistoryEntry:
        return cls(
            data["epoch"], data.get("train_loss"), data.get("val_loss"), data.get("train_accuracy"),
            data.get("val_accuracy"), _array(data["grad_norms"]),
        )  # fmt: skip


@dataclass(frozen=True)
class Epochs:
    """History entries, with each metric as an array over the epochs (NaN where it is None)."""

    entries: list[HistoryEntry]

    @classmethod
    def from_json(cls, data: list[Json]) -> Epochs:
        return cls([HistoryEntry.from_json(entry) for entry in data])

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self.entries)

    def __getitem__(self, position: int) -> HistoryEntry:
        return self.entries[position]

    @property
    def epoch(self) -> IntArray:
        return np.array([entry.epoch for entry in self.entries], dtype=np.int64)

    @property
    def train_loss(self) -> Array:
        return _array([entry.train_loss for entry in self.entries])

    @property
    def val_loss(self) -> Array:
        return _array([entry.val_loss for entry in self.entries])

    @property
    def train_accuracy(self) -> Array:
        return _array([entry.train_accuracy for entry in self.entries])

    @property
    def val_accuracy(self) -> Array:
        return _array([entry.val_accuracy for entry in self.entries])

    @property
    def grad_norms(self) -> Array:
        """(epochs, L)."""
        if not self.entries:
            return np.empty((0, 0))
        return np.stack([entry.grad_norms for entry in self.entries])


@dataclass(frozen=True)
class History:
    epochs: Epochs
    step: IntArray  # the update number of each kept per-update loss
    step_epoch: IntArray  # the epoch that update fell in
    step_loss: Array  # that update's batch loss

    @classmethod
    def from_json(cls, data: Json) -> History:
        steps = data["steps"]
        return cls(
            Epochs.from_json(data["history"]),
            np.array([s["step"] for s in steps], dtype=np.int64),
            np.array([s["epoch"] for s in steps], dtype=np.int64),
            _array([s["loss"] for s in steps]),
        )


@dataclass(frozen=True)
class Diverged:
    """Training stopped before a step that would have made a parameter non-finite (not applied)."""

    epoch: int
    step: int
    detail: str


@dataclass(frozen=True)
class TrainResult:
    epochs_run: int
    stopped_early: bool
    history: Epochs  # the entries of this run's epochs
    network: NetworkInfo
    diverged: Diverged | None
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> TrainResult:
        diverged = data.get("diverged")
        return cls(
            data["epochs_run"], data["stopped_early"], Epochs.from_json(data["history"]),
            NetworkInfo.from_json(data["network"]), Diverged(**diverged) if diverged else None, data,
        )  # fmt: skip


@dataclass(frozen=True)
class Prediction:
    outputs: Array  # (N, n_L)
    activations: list[Array]  # a[l] of shape (N, n_l), l = 1..L (empty for a compact grid answer)
    axes: tuple[Array, Array] | None  # a grid's R values per input axis; point p = j*R + i
    maps: list[Array] | None  # compact grid answer: a[l] ≈ to 1/255 of its range, (R*R, n_l)
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> Prediction:
        axes = data.get("axes")
        pair = (axes["x1"], axes["x2"]) if axes else (data.get("x"), data.get("y"))
        maps = data.get("maps")
        return cls(
            _array(data["outputs"]),
            [_array(layer["a"]) for layer in data.get("layers") or []],
            (_array(pair[0]), _array(pair[1])) if pair[0] is not None else None,
            [decode_map(layer) for layer in maps] if maps else None,
            data,
        )


def decode_map(layer: Json) -> Array:
    """One layer of a compact grid answer: base64 bytes, neuron-major, each neuron scaled to
    its own [min, max] as value = min + (max − min)·byte/255; returned as (points, n_l)."""
    low, high = _array(layer["min"]), _array(layer["max"])
    data = np.frombuffer(base64.b64decode(layer["data"]), dtype=np.uint8).reshape(len(low), -1)
    return (low[:, None] + (high - low)[:, None] * (data / 255.0)).T


@dataclass(frozen=True)
class Dataset:
    inputs: Array  # (N, n_0)
    targets: Array  # (N, n_L)
    train_indices: IntArray
    val_indices: IntArray
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> Dataset:
        return cls(
            _array(data["inputs"]), _array(data["targets"]),
            np.array(data["train_indices"], dtype=np.int64), np.array(data["val_indices"], dtype=np.int64),
            data,
        )  # fmt: skip


@dataclass(frozen=True)
class GradcheckLayer:
    index: int
    numeric_W: Array
    backprop_W: Array
    numeric_b: Array
    backprop_b: Array
    max_rel_error: float


@dataclass(frozen=True)
class Gradcheck:
    max_rel_error: float
    passed: bool
    tolerance: float
    layers: list[GradcheckLayer]
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> Gradcheck:
        layers = [
            GradcheckLayer(
                layer["index"],
                _array(layer["numeric_W"]),
                _array(layer["backprop_W"]),
                _array(layer["numeric_b"]),
                _array(layer["backprop_b"]),
                layer["max_rel_error"],
            )  # fmt: skip
            for layer in data["layers"]
        ]
        return cls(data["max_rel_error"], data["passed"], data["tolerance"], layers, data)


# --- the timeline and the analysis views ---------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """A kept point of the timeline: after an epoch closed or after one update."""

    kind: str  # "epoch" or "step"
    epoch: int
    step: int
    train_loss: float | None  # the epoch's training loss, or the update's batch loss

    @classmethod
    def from_json(cls, data: Json) -> Snapshot:
        return cls(data["kind"], data["epoch"], data["step"], data["train_loss"])


@dataclass(frozen=True)
class SnapshotPreview:
    """The network as it was at a snapshot (what a rewind would answer) and what a rewind
    there would drop."""

    snapshot: Snapshot
    network: NetworkInfo
    drops_updates: int
    drops_epochs: int
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> SnapshotPreview:
        drops = data["drops"]
        return cls(
            Snapshot.from_json(data["snapshot"]), NetworkInfo.from_json(data["network"]),
            drops["updates"], drops["epochs"], data,
        )  # fmt: skip


@dataclass(frozen=True)
class Landscape:
    """The loss along one or two parameters with every other parameter held fixed."""

    axes: list[Array]  # one per parameter: value ± radius
    loss: Array  # (points,) for one parameter; (points, points) for two, loss[i, j] at axes[0][i], axes[1][j]
    value: Array  # the chosen parameters' current values
    current_loss: float
    gradient: Array  # ∂L/∂p at the current point: the slope of the curve
    trajectory_steps: IntArray  # the snapshots' update counters, oldest first
    trajectory_values: Array  # (snapshots, parameters)
    trajectory_loss: Array  # (snapshots,)
    n_samples: int
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> Landscape:
        current, path = data["current"], data["trajectory"]
        n = len(data["parameters"])
        return cls(
            [_array(axis) for axis in data["axes"]], _array(data["loss"]), _array(current["value"]),
            current["loss"], _array(current["gradient"]),
            np.array([p["step"] for p in path], dtype=np.int64),
            np.array([p["value"] for p in path], dtype=np.float64).reshape(len(path), n),
            np.array([p["loss"] for p in path], dtype=np.float64), data["n_samples"], data,
        )  # fmt: skip


@dataclass(frozen=True)
class GradientShares:
    """Each sample's term δ_s · a_prev,s of one parameter's batch gradient."""

    terms: Array  # (trace_samples,)
    dL_dz: Array  # (trace_samples,), carries the 1/B
    a_prev: Array  # (trace_samples,), 1 for a bias
    sum_of_terms: float  # over every sample of the batch, shown or not
    penalty_gradient: float
    gradient: float  # sum_of_terms + penalty_gradient: the backward pass's ∂L/∂p
    batch_size: int
    cut: bool  # more samples in the batch than rows here
    indices: IntArray | None  # dataset rows of the samples; None for explicit inputs
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> GradientShares:
        rows = data["indices"]
        return cls(
            _array(data["terms"]), _array(data["dL_dz"]), _array(data["a_prev"]), data["sum_of_terms"],
            data["penalty_gradient"], data["gradient"], data["batch_size"], data["cut"],
            None if rows is None else np.array(rows, dtype=np.int64), data,
        )  # fmt: skip
