"""Typed answers about data and analysis: predictions, datasets (a network's and uploads),
gradient checks, the timeline and the loss landscape, as float64 ndarrays.

Field names and shapes are the API's; each result keeps the decoded JSON in ``raw``.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import numpy as np

from .results import Array, IntArray, Json, Layered, NetworkInfo, _array


@dataclass(frozen=True)
class Prediction:
    outputs: Array  # (N, n_L)
    activations: list[Array]  # a[l] of shape (N, n_l), l = 1..L (empty for a compact grid answer)
    axes: tuple[Array, Array] | None  # a grid's R values per input axis; point p = j*R + i
    maps: list[Array] | None  # compact grid answer: a[l] ≈ to 1/255 of its range, (R*R, n_l)
    raw: Json = field(repr=False)
    data_outputs: Array | None = None  # units="data": the outputs in the data's units (N, n_L)

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
            None if data.get("data_outputs") is None else _array(data["data_outputs"]),
        )


def decode_map(layer: Json) -> Array:
    """One layer of a compact grid answer: base64 bytes, neuron-major, each neuron scaled to
    its own [min, max] as value = min + (max − min)·byte/255; returned as (points, n_l)."""
    low, high = _array(layer["min"]), _array(layer["max"])
    data = np.frombuffer(base64.b64decode(layer["data"]), dtype=np.uint8).reshape(len(low), -1)
    return (low[:, None] + (high - low)[:, None] * (data / 255.0)).T


@dataclass(frozen=True)
class Dataset:
    """A network's data (``GET …/data``), split into training and validation rows."""

    inputs: Array  # (N, n_0)
    targets: Array  # (N, n_L)
    train_indices: IntArray
    val_indices: IntArray
    feature_names: list[str]
    target_names: list[str]
    class_names: list[str] | None  # a label column's classes, in output order
    image_shape: list[int] | None  # image-like inputs (digits): (rows, columns) of the picture
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> Dataset:
        return cls(
            _array(data["inputs"]), _array(data["targets"]),
            np.array(data["train_indices"], dtype=np.int64), np.array(data["val_indices"], dtype=np.int64),
            list(data["feature_names"]), list(data["target_names"]), data.get("class_names"),
            data.get("image_shape"), data,
        )  # fmt: skip


@dataclass(frozen=True)
class DatasetInfo:
    """An uploaded CSV (``POST /api/datasets``); use it as ``"data": {"dataset_id": info.dataset_id}``.

    ``inputs`` and ``targets`` are the stored rows when the answer carried them
    (:meth:`Client.dataset`), else None."""

    dataset_id: str
    file_name: str | None
    n_samples: int
    n_features: int
    n_outputs: int
    feature_names: list[str]
    target_names: list[str]
    task: str  # "binary", "multiclass" or "regression"
    class_names: list[str] | None  # a label column's classes (two: the labels of y = 0 and y = 1)
    standardized: bool
    means: Array | None  # the feature columns' means removed (x = (raw − mean) / std)
    stds: Array | None
    warnings: list[str]
    inputs: Array | None
    targets: Array | None
    raw: Json = field(repr=False)

    @classmethod
    def from_json(cls, data: Json) -> DatasetInfo:
        optional = {key: None if data.get(key) is None else _array(data[key]) for key in ("means", "stds")}
        rows = {key: None if key not in data else _array(data[key]) for key in ("inputs", "targets")}
        features, targets = list(data["feature_names"]), list(data["target_names"])
        return cls(
            data["dataset_id"], data.get("file_name"), data["n_samples"],
            data.get("n_features", len(features)), data.get("n_outputs", len(targets)), features, targets,
            data["task"], data.get("class_names"), data.get("standardized", False), optional["means"],
            optional["stds"], list(data.get("warnings", [])), rows["inputs"], rows["targets"], data,
        )  # fmt: skip

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, features)."""
        return self.n_samples, self.n_features


@dataclass(frozen=True)
class GradcheckLayer:
    index: int
    numeric_W: Array
    backprop_W: Array
    numeric_b: Array
    backprop_b: Array
    max_rel_error: float


@dataclass(frozen=True)
class Gradcheck(Layered[GradcheckLayer]):
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


# --- the timeline and the loss landscape -------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """A kept point of the timeline: after an epoch closed or after one update."""

    kind: str  # "epoch" or "step"
    epoch: int  # epochs completed at this point
    step: int  # updates applied at this point
    # training samples of the epoch in progress consumed at this point: 0 at an epoch's end, and
    # after updates on chosen rows only (they leave the cursor where it was)
    cursor: int
    # updates applied when the last epoch before this point closed (0 before any): step minus
    # this is how many updates followed it; None when not known (stored by an older server)
    epoch_end_step: int | None
    train_loss: float | None  # the epoch's training loss, or the update's batch loss
    # the hyperparameters that epoch or update ran with: learning_rate, optimizer, regularization,
    # batch_size, loss, activations (as in the spec)
    settings: Json = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Json) -> Snapshot:
        return cls(
            data["kind"], data["epoch"], data["step"], data["cursor"], data.get("epoch_end_step"),
            data["train_loss"], data.get("settings", {}),
        )  # fmt: skip


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
