"""Typed results of the REST API: each answer decoded into dataclasses holding float64 ndarrays.

Field names are the API's (``z``, ``a``, ``dL_da``, ``da_dz``, ``dL_dz``, ``dL_dW``, ``W``, ``b``,
layer ``index``); shapes are the API's, batch-first, ``W[l]`` of shape ``(n_l, n_{l-1})``.
Layers are listed by ``index`` 1..L, as the page numbers them: ``trace.layer(1)`` (the same as
``trace.layers[0]``) is the first layer after the inputs. Every top-level result keeps the
decoded JSON in ``raw`` for the fields it does not name. Predictions, datasets, gradient checks,
the timeline and the landscape are in :mod:`backprop_explorer.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

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


L = TypeVar("L")


class Layered(Generic[L]):
    """Results listed by layer: ``layer(l)`` is layer ``l`` as the page and the API number it
    (1 is the first layer after the inputs, L the output); ``layers[l - 1]`` is the same."""

    layers: list[L]

    def layer(self, l: int) -> L:
        """Layer ``l`` (1..L): the weights into it, its neurons' z, a, δ."""
        if not 1 <= l <= len(self.layers):
            raise IndexError(
                f"no layer {l}: the layers with weights are 1..{len(self.layers)} "
                "(layer 0 is the inputs; the page's first hidden layer is layer 1)"
            )
        return self.layers[l - 1]


# --- the network and its state -----------------------------------------------------------


@dataclass(frozen=True)
class Parameters:
    weights: list[Array]  # W[l] of shape (n_l, n_{l-1}), l = 1..L: weights[0] is W[1]
    biases: list[Array]  # b[l] of shape (n_l,)

    @classmethod
    def from_json(cls, data: Json) -> Parameters:
        return cls([_array(w) for w in data["weights"]], [_array(b) for b in data["biases"]])

    def W(self, l: int) -> Array:
        """``W[l]`` (n_l, n_{l-1}), layer ``l`` numbered as on the page (1..L)."""
        return self.weights[_layer_position(l, len(self.weights))]

    def b(self, l: int) -> Array:
        """``b[l]`` (n_l,), layer ``l`` numbered as on the page (1..L)."""
        return self.biases[_layer_position(l, len(self.biases))]


def _layer_position(l: int, count: int) -> int:
    if not 1 <= l <= count:
        raise IndexError(f"no layer {l}: the layers with weights are 1..{count} (layer 0 is the inputs)")
    return l - 1


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
    # updates applied when the last epoch closed (0 before any): step minus this is how many
    # updates followed it; None when not known (saved by an older server, until its next epoch)
    epoch_end_step: int | None
    task: str | None
    parameters: Parameters
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> NetworkInfo:
        return cls(
            data["id"], list(data["layers"]), list(data["activations"]), data["loss"],
            data["learning_rate"], data["phase"], data["epoch"], data["step"], data.get("epoch_end_step"),
            data.get("task"),
            Parameters.from_json(data["parameters"]), data,
        )  # fmt: skip

    @property
    def feature_names(self) -> list[str]:
        """The input neurons' names (the data's columns)."""
        return list(self.raw.get("feature_names") or [f"X{i + 1}" for i in range(self.layers[0])])

    @property
    def target_names(self) -> list[str]:
        """The output neurons' names: the target columns, or a label column's classes."""
        return list(self.raw.get("target_names") or [f"y{k + 1}" for k in range(self.layers[-1])])

    @property
    def class_names(self) -> list[str] | None:
        """Classification from labels: each class's label in output order (one output: the
        labels of y = 0 and y = 1); None otherwise."""
        names = self.raw.get("class_names")
        return None if names is None else list(names)


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
class ForwardTrace(Layered[ForwardLayer]):
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
class BackwardTrace(Layered[BackwardLayer]):
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
class UpdateTrace(Layered[UpdateLayer]):
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
    stopped_by: str | None = None  # the early-stopping rule that ended the run: "patience", "train_accuracy"

    @classmethod
    def from_json(cls, data: Json) -> TrainResult:
        diverged = data.get("diverged")
        return cls(
            data["epochs_run"], data["stopped_early"], Epochs.from_json(data["history"]),
            NetworkInfo.from_json(data["network"]), Diverged(**diverged) if diverged else None, data,
            data.get("stopped_by"),
        )  # fmt: skip
