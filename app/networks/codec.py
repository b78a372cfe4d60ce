"""The document codec: a network's stored JSON document opened as engine objects, and back.

A network is stored as one JSON document (see :func:`new_document`): the resolved spec, the
current parameters, the optimizer and trainer state, and the step in progress (``phase``
plus the ``pending`` batch). :func:`open_document` turns it into a :class:`Session` of engine
objects; :meth:`Session.dump` writes them back into the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
from backprop_explorer.engine import Dataset, EngineError, Layer, Network, Optimizer, Trainer
from backprop_explorer.engine.features import DEFAULT_FEATURES, check_features

from backprop_explorer import engine

from .. import serialize
from ..config import Limits
from ..datasets import Datasets
from ..errors import InvalidInput, PhaseConflict
from ..realdata import REAL_DATASETS
from ..schemas import NetworkPatch, NetworkSpec
from ..store import new_id
from .settings import Settings, epoch_end_step

EXPORT_FORMAT = "backprop-explorer/1"
TRAINER_FIELDS = ("epoch", "step", "cursor", "epoch_end_step", "norm_sums", "norm_count")


@dataclass
class Session:
    """A stored network opened as engine objects; ``doc`` is written back by :meth:`dump`."""

    doc: dict
    net: Network
    opt: Optimizer
    dataset: Dataset | None
    trainer: Trainer | None
    # Epochs to record that are not the trainer's own: an import's history, or the one an
    # older stored document carries in its trainer state.
    carried_history: list[dict]
    other_step_losses: list[list] = field(default_factory=list)
    # Traces of the step in progress computed in this request: /step runs each phase once.
    fwd: engine.ForwardTrace | None = None
    lss: engine.LossTrace | None = None
    back: engine.BackwardTrace | None = None
    # Timeline (networks/timeline.py): snapshots taken in this request, not yet saved, and
    # the step of the state last committed (None: not known, so no step snapshot), and the
    # bytes the snapshots awaiting a commit may hold (None: no bound).
    snapshots: list = field(default_factory=list)
    committed_step: int | None = None
    snapshot_budget: int | None = None

    @property
    def spec(self) -> dict:
        return self.doc["spec"]

    @property
    def phase(self) -> str:
        return self.doc["phase"]

    @property
    def epoch(self) -> int:
        return self.trainer.epoch if self.trainer else self.doc["trainer"]["epoch"]

    @property
    def step(self) -> int:
        return self.trainer.step if self.trainer else self.doc["trainer"]["step"]

    @property
    def epoch_end_step(self) -> int | None:
        """Updates applied when the last epoch closed (None: not known, see :func:`epoch_end_step`)."""
        return self.trainer.epoch_end_step if self.trainer else epoch_end_step(self.doc["trainer"])

    def new_history(self) -> list[dict]:
        """History entries to append to the store: carried ones and epochs closed now."""
        return self.carried_history + (self.trainer.history if self.trainer else [])

    def new_step_losses(self) -> list:
        """[step, epoch, loss] of the updates applied now (epoch: the 1-based one it belongs to),
        as the trainer and :meth:`count_update` record them: Python numbers already."""
        return (self.trainer.step_losses if self.trainer else []) + self.other_step_losses

    def logs_written(self) -> None:
        """Forget the entries :meth:`new_history` and :meth:`new_step_losses` returned: saved."""
        self.carried_history, self.other_step_losses = [], []
        if self.trainer is not None:
            self.trainer.history, self.trainer.step_losses = [], []

    def count_update(self, loss: float) -> None:
        """An update outside the data cursor (explicit inputs or picked rows)."""
        if self.trainer:
            self.trainer.step += 1
        else:
            self.doc["trainer"]["step"] += 1
        self.other_step_losses.append([self.step, self.epoch + 1, loss])

    def finish_step(self) -> None:
        """Drop the step in progress: the next phase must be forward."""
        self.doc["phase"], self.doc["pending"] = "ready", None
        self.fwd = self.lss = self.back = None

    def require_data(self) -> tuple[Dataset, Trainer]:
        if self.dataset is None or self.trainer is None:
            raise InvalidInput(
                "this network has no training data: create it with `data`, or send explicit inputs"
            )
        return self.dataset, self.trainer

    def step_batch(self, what: str) -> tuple[np.ndarray, np.ndarray]:
        """Inputs and targets of the step in progress, for ``what`` (an analysis of it); 409
        before its forward and loss phases ran."""
        if self.phase not in engine.PHASES[:3]:
            raise PhaseConflict(f"run forward first: {what} is about the step in progress, and there is none")
        X, Y = self.batch()
        if Y is None:
            raise PhaseConflict(f"run loss first: {what} needs the targets the loss phase takes")
        return X, Y

    def step_rows(self) -> list[int] | None:
        """Dataset rows of the step in progress; None for explicit inputs or no step."""
        pending = self.doc["pending"]
        rows = pending.get("indices") if pending else None
        return None if rows is None else [int(r) for r in rows]

    def batch(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Inputs and targets of the step in progress."""
        pending = self.doc["pending"]
        if pending["source"] == "explicit":
            targets = pending.get("targets")
            return np.array(pending["inputs"], dtype=np.float64), (
                None if targets is None else np.array(targets, dtype=np.float64)
            )
        dataset, _ = self.require_data()
        idx = np.array(pending["indices"], dtype=np.int64)
        return dataset.X[idx], dataset.Y[idx]

    def dump(self) -> dict:
        doc = self.doc
        doc["task"] = self.dataset.task if self.dataset else None
        # Through serialize like every response: a non-finite value (say Adam's v = g² after
        # an overflow) becomes a 422 and nothing is saved.
        doc["parameters"] = serialize.parameters(self.net)
        doc["optimizer_state"] = {
            "t": self.opt.t,
            # Arrays per slot, except each tensor's update count `t` (a whole number).
            "state": {
                k: {n: int(v) if n == "t" else serialize.array(v) for n, v in s.items()}
                for k, s in self.opt.state.items()
            },
        }
        if self.trainer is not None:
            doc["trainer"] = {name: getattr(self.trainer, name) for name in TRAINER_FIELDS}
            doc["trainer"]["norm_sums"] = [serialize.number(s) for s in self.trainer.norm_sums]
        return doc


def next_step_overflow(session: Session) -> engine.StepOverflow | None:
    """Why the step at the data cursor cannot run (its loss or gradients overflow), or None:
    the rule of engine.divergence, for a network without data never broken."""
    if session.trainer is None:
        return None
    try:
        engine.check_next_step(session.net, *session.trainer.batch_arrays())
    except engine.StepOverflow as error:
        return error
    return None


# --- checks ----------------------------------------------------------------------------


def check_per_layer(name: str, values: list, n_layers: int, unit: str) -> None:
    """422 unless ``values`` holds one ``unit`` per non-input layer."""
    if len(values) != n_layers:
        raise InvalidInput(f"{name} needs one {unit} per non-input layer: {n_layers}, got {len(values)}")


def check_architecture(limits: Limits, layers: list[int]) -> None:
    limits.check("max_layers", len(layers) - 1, "the number of weight layers")
    limits.check("max_neurons", max(layers), "the largest layer size")
    n_params = sum(n_in * n_out + n_out for n_in, n_out in zip(layers[:-1], layers[1:], strict=False))
    limits.check("max_parameters", n_params, "the number of parameters")


def check_weights(weights: list, layers: list[int], name: str) -> list:
    check_per_layer(name, weights, len(layers) - 1, "matrix")
    for l, (W, n_in, n_out) in enumerate(zip(weights, layers[:-1], layers[1:], strict=False), start=1):
        if len(W) != n_out or any(len(row) != n_in for row in W):
            raise InvalidInput(
                f"{name}[{l - 1}] (layer {l}) must be a {n_out}×{n_in} matrix (n_l rows of n_{{l-1}})"
            )
    return weights


def check_biases(biases: list, layers: list[int], name: str) -> list:
    check_per_layer(name, biases, len(layers) - 1, "vector")
    for l, (b, n_out) in enumerate(zip(biases, layers[1:], strict=False), start=1):
        if len(b) != n_out:
            raise InvalidInput(f"{name}[{l - 1}] (layer {l}) must have {n_out} values, got {len(b)}")
    return biases


def check_data_shapes(dataset: Dataset, layers: list[int]) -> None:
    if dataset.X.shape[1] != layers[0]:
        raise InvalidInput(
            f"the data has {dataset.X.shape[1]} features but the input layer has {layers[0]} neurons"
        )
    if dataset.Y.shape[1] != layers[-1]:
        raise InvalidInput(
            f"the data has {dataset.Y.shape[1]} target columns but the output layer has {layers[-1]} neurons"
        )


@cache
def generator_columns(name: str) -> int:
    """How many input columns the generator ``name`` makes (2 for the 2-D ones), or a real dataset has."""
    if name in REAL_DATASETS:
        return len(REAL_DATASETS[name].feature_names)
    return int(engine.generate(name, np.random.default_rng(0), n=2, noise=0.0).X.shape[1])


def resolve_features(features: list[str] | None, data: dict | None, n_inputs: int) -> list[str] | None:
    """The spec's engineered features checked against its data and input layer; by default
    (x1, x2) for 2-D generator data, and None (the data's own columns) for any other data."""
    name = data.get("generator") if data else None
    columns = generator_columns(name) if name else None
    if features is None:
        return list(DEFAULT_FEATURES) if columns == 2 else None
    if columns is None:
        kind = "no data" if data is None else "uploaded data" if "dataset_id" in data else "data arrays"
        raise InvalidInput(f"features need 2-D generator data (x1, x2); this network has {kind}")
    if columns != 2:
        raise InvalidInput(
            f"features need 2-D data (x1, x2); the generator {name!r} makes {columns} column(s)"
        )
    try:
        check_features(features)
    except EngineError as exc:
        raise InvalidInput(f"features: {exc}") from None
    if len(features) != n_inputs:
        raise InvalidInput(
            f"features names {len(features)} input column(s) ({', '.join(features)}) but the input "
            f"layer (layers[0]) has {n_inputs} neuron(s): make them equal"
        )
    return list(features)


# --- building --------------------------------------------------------------------------


def resolve_spec(spec: NetworkSpec, limits: Limits) -> dict:
    """The spec with every default filled in, checked against the limits."""
    layers = list(spec.layers)
    check_architecture(limits, layers)
    n_layers = len(layers) - 1
    activations = list(spec.activations) if spec.activations else ["sigmoid"] * n_layers
    check_per_layer("activations", activations, n_layers, "name")
    if isinstance(spec.trainable, list):
        check_per_layer("trainable", spec.trainable, n_layers, "entry")
    resolved = spec.model_dump(mode="json")
    resolved["activations"] = activations
    if spec.data is None and layers[0] == 2 and layers[-1] == 1:
        resolved["data"] = {"generator": "xor", "n": 4, "noise": 0.0, "seed": 1, "classes": None}
    resolved["features"] = resolve_features(spec.features, resolved["data"], layers[0])
    return resolved


def patched_spec(spec: dict, body: NetworkPatch) -> dict:
    """``spec`` with the fields ``body`` sets: its settings through :class:`Settings`, then the
    loss, activations and trainable switches; 422 for a null or a list of the wrong length."""
    n_layers = len(spec["layers"]) - 1
    for key in body.model_fields_set:
        if getattr(body, key) is None:
            raise InvalidInput(f"{key} cannot be null; omit it to keep the current value", "validation_error")
    patched = {**spec, **Settings.of(spec).patched(body).spec_fields()}
    if body.loss is not None:
        patched["loss"] = body.loss
    if body.activations is not None:
        check_per_layer("activations", body.activations, n_layers, "name")
        patched["activations"] = list(body.activations)
    if isinstance(body.trainable, list):
        check_per_layer("trainable", body.trainable, n_layers, "entry")
        patched["trainable"] = [t.model_dump(mode="json") for t in body.trainable]
    elif body.trainable is not None:
        patched["trainable"] = body.trainable.model_dump(mode="json")
    return patched


def initial_parameters(spec: dict) -> dict:
    """The spec's explicit weights and biases, or the seeded initializer's."""
    init = spec["init"]
    params = engine.init_parameters(
        spec["layers"], init["method"], np.random.default_rng(init["seed"]), init.get("scale")
    )
    weights = [serialize.array(W) for W, _ in params]
    biases = [serialize.array(b) for _, b in params]
    if spec.get("weights") is not None:
        weights = check_weights(spec["weights"], spec["layers"], "weights")
    if spec.get("biases") is not None:
        biases = check_biases(spec["biases"], spec["layers"], "biases")
    return {"weights": weights, "biases": biases}


def fresh_state() -> dict:
    """The parts of a document that a reset returns to their start."""
    return {
        "optimizer_state": {"t": 0, "state": {}},
        "trainer": {
            "epoch": 0,
            "step": 0,
            "cursor": 0,
            "epoch_end_step": 0,
            "norm_sums": [],
            "norm_count": 0,
        },
        "phase": "ready",
        "pending": None,
    }


def new_document(spec: NetworkSpec, limits: Limits) -> dict:
    resolved = resolve_spec(spec, limits)
    return {
        "format": EXPORT_FORMAT,
        "id": new_id(),
        "spec": resolved,
        "parameters": initial_parameters(resolved),
        **fresh_state(),
    }


def open_document(doc: dict, datasets: Datasets) -> Session:
    """The engine objects of a stored document; 422 when its parts do not fit together."""
    spec = doc["spec"]
    trainable = spec["trainable"]
    if not isinstance(trainable, list):
        trainable = [trainable] * (len(spec["layers"]) - 1)
    params = doc["parameters"]
    layers = [
        Layer(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64), act, t["weights"], t["biases"])
        for W, b, act, t in zip(
            params["weights"], params["biases"], spec["activations"], trainable, strict=True
        )
    ]
    settings = Settings.of(spec)
    net = Network(layers, spec["loss"], settings.make_regularization())
    opt = settings.make_optimizer(doc["optimizer_state"])
    dataset = datasets.dataset_for(spec["data"], doc["id"])
    features = spec.get("features")  # absent from documents stored before features existed
    if dataset is not None and features is not None and tuple(features) != DEFAULT_FEATURES:
        dataset = datasets.featured(spec["data"], dataset, features)
    progress = doc["trainer"]
    carried = progress.pop("history", [])  # history lives in its own table; the trainer only appends to it
    trainer = None
    if dataset is not None:
        check_data_shapes(dataset, spec["layers"])
        trainer = settings.make_trainer(dataset, progress, datasets.limits.max_step_losses)
    return Session(doc, net, opt, dataset, trainer, carried)
