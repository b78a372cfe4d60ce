"""What the routes do: load a network under its lock, run the engine, save, serialize.

A network is stored as one JSON document (see :meth:`Service.new_document`): the resolved
spec, the current parameters, the optimizer and trainer state, and the step in progress
(``phase`` plus the ``pending`` batch). Later phases recompute forward/loss from the stored
parameters and batch, which is deterministic, so they report the very numbers the earlier
phases returned. Generated data is regenerated from its seeded spec.

Mutations follow one pattern: lock → load → engine → serialize → save → respond. Any error
on the way (a domain error, an engine refusal, a non-finite result) leaves the stored
document untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from backprop_explorer.engine import PHASES, Dataset, Layer, Network, Optimizer, Regularization, Trainer

from backprop_explorer import engine

from . import serialize
from .config import Limits
from .datasets import Datasets
from .errors import InvalidInput, LimitExceeded, NotFound, PhaseConflict
from .schemas import (
    ExportDocument,
    ForwardIn,
    GradcheckIn,
    LossIn,
    NetworkPatch,
    NetworkSpec,
    ParametersIn,
    PredictIn,
    StepIn,
    TrainIn,
)
from .store import Store, new_id

GRADCHECK_TOLERANCE = 1e-4
# Finite differences cost two forward passes per parameter over the whole batch.
GRADCHECK_MAX_WORK = 5_000_000  # parameters × samples
EXPORT_FORMAT = "backprop-explorer/1"


def check_per_layer(name: str, values: list, n_layers: int, unit: str) -> None:
    """422 unless ``values`` holds one ``unit`` per non-input layer."""
    if len(values) != n_layers:
        raise InvalidInput(f"{name} needs one {unit} per non-input layer: {n_layers}, got {len(values)}")


@dataclass
class Session:
    """A stored network opened as engine objects; ``doc`` is written back by :meth:`dump`."""

    doc: dict
    net: Network
    opt: Optimizer
    dataset: Dataset | None
    trainer: Trainer | None
    carried_history: list[dict]
    other_step_losses: list[list] = field(default_factory=list)
    # Traces of the step in progress computed in this request: /step runs each phase once.
    fwd: engine.ForwardTrace | None = None
    lss: engine.LossTrace | None = None
    back: engine.BackwardTrace | None = None

    def new_history(self) -> list[dict]:
        """History entries to append to the store: carried ones and epochs closed now."""
        return self.carried_history + (self.trainer.history if self.trainer else [])

    def new_step_losses(self) -> list[list]:
        """[step, epoch, loss] of the updates applied now (epoch: the 1-based one it belongs to)."""
        return (self.trainer.step_losses if self.trainer else []) + self.other_step_losses

    @property
    def spec(self) -> dict:
        return self.doc["spec"]

    @property
    def epoch(self) -> int:
        return self.trainer.epoch if self.trainer else self.doc["trainer"]["epoch"]

    @property
    def step(self) -> int:
        return self.trainer.step if self.trainer else self.doc["trainer"]["step"]

    def count_update(self, loss: float) -> None:
        """An update outside the data cursor (explicit inputs or picked rows)."""
        if self.trainer:
            self.trainer.step += 1
        else:
            self.doc["trainer"]["step"] += 1
        self.other_step_losses.append([self.step, self.epoch + 1, loss])

    def dump(self) -> dict:
        doc = self.doc
        doc["task"] = self.dataset.task if self.dataset else None
        # Through serialize like every response: a non-finite value (say Adam's v = g² after
        # an overflow) becomes a 422 and nothing is saved.
        doc["parameters"] = serialize.parameters(self.net)
        doc["optimizer_state"] = {
            "t": self.opt.t,
            "state": {k: {n: serialize.array(v) for n, v in s.items()} for k, s in self.opt.state.items()},
        }
        if self.trainer is not None:
            t = self.trainer
            doc["trainer"] = {
                "epoch": t.epoch,
                "step": t.step,
                "cursor": t.cursor,
                "norm_sums": t.norm_sums,
                "norm_count": t.norm_count,
            }
        return doc

    def require_data(self) -> tuple[Dataset, Trainer]:
        if self.dataset is None or self.trainer is None:
            raise InvalidInput(
                "this network has no training data: create it with `data`, or send explicit inputs"
            )
        return self.dataset, self.trainer

    def require_phase(self, wanted: str) -> None:
        """409 unless ``wanted`` is the next phase; the message names the phase to run first."""
        phase = self.doc["phase"]
        if phase in ("ready", "update"):
            if wanted != "forward":
                raise PhaseConflict(f"run forward first: {wanted} needs a forward pass in the current step")
            return
        done, asked = PHASES.index(phase), PHASES.index(wanted)
        if asked > done + 1:
            raise PhaseConflict(
                f"run {PHASES[done + 1]} first: the current step has completed {phase}, "
                f"not yet {PHASES[done + 1]}"
            )
        if asked <= done:
            raise PhaseConflict(
                f"run forward first: this step has already completed {wanted}; forward starts a new step"
            )

    def batch(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Inputs and targets of the step in progress."""
        pending = self.doc["pending"]
        if pending["source"] == "explicit":
            targets = pending.get("targets")
            return np.array(pending["inputs"], dtype=np.float64), (
                None if targets is None else np.array(targets, dtype=np.float64)
            )
        idx = np.array(pending["indices"], dtype=np.int64)
        return self.dataset.X[idx], self.dataset.Y[idx]


class TrainRuns:
    """Stop flags of running trains, so ``/stop`` (and a closed stream) can end them."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._guard = threading.Lock()

    def register(self, network_id: str, event: threading.Event) -> None:
        with self._guard:
            self._events[network_id] = event

    def unregister(self, network_id: str, event: threading.Event) -> None:
        with self._guard:
            if self._events.get(network_id) is event:
                del self._events[network_id]

    def stop(self, network_id: str) -> bool:
        with self._guard:
            event = self._events.get(network_id)
        if event is None:
            return False
        event.set()
        return True


class Service:
    def __init__(self, store: Store, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self.runs = TrainRuns()
        self.datasets = Datasets(store, limits)

    def check_architecture(self, layers: list[int]) -> None:
        self.limits.check("max_layers", len(layers) - 1, "the number of weight layers")
        self.limits.check("max_neurons", max(layers), "the largest layer size")
        n_params = sum(n_in * n_out + n_out for n_in, n_out in zip(layers[:-1], layers[1:], strict=False))
        self.limits.check("max_parameters", n_params, "the number of parameters")

    # --- building --------------------------------------------------------------------

    def resolve_spec(self, spec: NetworkSpec) -> dict:
        """The spec with every default filled in, checked against the limits and the data."""
        layers = list(spec.layers)
        self.check_architecture(layers)
        n_layers = len(layers) - 1
        activations = list(spec.activations) if spec.activations else ["sigmoid"] * n_layers
        check_per_layer("activations", activations, n_layers, "name")
        if isinstance(spec.trainable, list):
            check_per_layer("trainable", spec.trainable, n_layers, "entry")
        resolved = spec.model_dump(mode="json")
        resolved["activations"] = activations
        if spec.data is None and layers[0] == 2 and layers[-1] == 1:
            resolved["data"] = {"generator": "xor", "n": 4, "noise": 0.0, "seed": 1, "classes": None}
        return resolved

    def check_data_shapes(self, dataset: Dataset, layers: list[int]) -> None:
        if dataset.X.shape[1] != layers[0]:
            raise InvalidInput(
                f"the data has {dataset.X.shape[1]} features but the input layer has {layers[0]} neurons"
            )
        if dataset.Y.shape[1] != layers[-1]:
            raise InvalidInput(
                f"the data has {dataset.Y.shape[1]} target columns "
                f"but the output layer has {layers[-1]} neurons"
            )

    def initial_parameters(self, spec: dict) -> tuple[list[list], list[list]]:
        init = spec["init"]
        params = engine.init_parameters(
            spec["layers"], init["method"], np.random.default_rng(init["seed"]), init.get("scale")
        )
        weights = [serialize.array(W) for W, _ in params]
        biases = [serialize.array(b) for _, b in params]
        if spec.get("weights") is not None:
            weights = self.check_weights(spec["weights"], spec["layers"], "weights")
        if spec.get("biases") is not None:
            biases = self.check_biases(spec["biases"], spec["layers"], "biases")
        return weights, biases

    @staticmethod
    def check_weights(weights: list, layers: list[int], name: str) -> list:
        check_per_layer(name, weights, len(layers) - 1, "matrix")
        for l, (W, n_in, n_out) in enumerate(zip(weights, layers[:-1], layers[1:], strict=False), start=1):
            if len(W) != n_out or any(len(row) != n_in for row in W):
                raise InvalidInput(
                    f"{name}[{l - 1}] (layer {l}) must be a {n_out}×{n_in} matrix (n_l rows of n_{{l-1}})"
                )
        return weights

    @staticmethod
    def check_biases(biases: list, layers: list[int], name: str) -> list:
        check_per_layer(name, biases, len(layers) - 1, "vector")
        for l, (b, n_out) in enumerate(zip(biases, layers[1:], strict=False), start=1):
            if len(b) != n_out:
                raise InvalidInput(f"{name}[{l - 1}] (layer {l}) must have {n_out} values, got {len(b)}")
        return biases

    def new_document(self, spec: NetworkSpec) -> dict:
        resolved = self.resolve_spec(spec)
        weights, biases = self.initial_parameters(resolved)
        network_id = new_id()
        return {
            "format": EXPORT_FORMAT,
            "id": network_id,
            "spec": resolved,
            "parameters": {"weights": weights, "biases": biases},
            "optimizer_state": {"t": 0, "state": {}},
            "trainer": {"epoch": 0, "step": 0, "cursor": 0, "norm_sums": [], "norm_count": 0},
            "phase": "ready",
            "pending": None,
        }

    def open(self, doc: dict) -> Session:
        spec = doc["spec"]
        trainable = spec["trainable"]
        if not isinstance(trainable, list):
            trainable = [trainable] * (len(spec["layers"]) - 1)
        params = doc["parameters"]
        layers = [
            Layer(
                np.array(W, dtype=np.float64), np.array(b, dtype=np.float64), act, t["weights"], t["biases"]
            )
            for W, b, act, t in zip(
                params["weights"], params["biases"], spec["activations"], trainable, strict=True
            )
        ]
        reg = spec["regularization"]
        net = Network(layers, spec["loss"], Regularization(reg["kind"], reg["rate"]))
        o = spec["optimizer"]
        state = doc["optimizer_state"]
        opt = Optimizer(
            o["name"],
            spec["learning_rate"],
            o["beta"],
            o["beta1"],
            o["beta2"],
            o["eps"],
            state["t"],
            {k: {n: np.array(v, dtype=np.float64) for n, v in s.items()} for k, s in state["state"].items()},
        )
        dataset = self.datasets.dataset_for(spec["data"], doc["id"])
        t = doc["trainer"]
        # Epochs to record that are not the trainer's own: an import's history (or a
        # document written before history moved to its own table).
        carried = t.pop("history", [])
        trainer = None
        if dataset is not None:
            self.check_data_shapes(dataset, spec["layers"])
            trainer = Trainer(
                dataset,
                spec["batch_size"],
                spec["validation_split"],
                spec["seed"],
                t["epoch"],
                t["step"],
                t["cursor"],
                [],  # history lives in its own table; the trainer only appends to it
                t["norm_sums"],
                t["norm_count"],
            )
        return Session(doc, net, opt, dataset, trainer, carried)

    # --- loading and saving ----------------------------------------------------------

    def load(self, network_id: str) -> dict:
        doc = self.store.load(network_id)
        if doc is None:
            raise NotFound(f"no network with id {network_id!r}")
        return doc

    def require(self, network_id: str) -> None:
        if not self.store.exists(network_id):
            raise NotFound(f"no network with id {network_id!r}")

    def read(self, network_id: str) -> Session:
        return self.open(self.load(network_id))

    def mutate(self, network_id: str, change: Callable[[Session], dict], *, clear_logs: bool = False) -> dict:
        """Run ``change`` on the network under its lock and commit; nothing is saved if it raises.

        ``change`` returns the response; the epochs and update losses it produced are
        appended to the network's logs in the same transaction.
        """
        self.require(network_id)  # 404 before a lock is made for an id that does not exist
        with self.store.lock(network_id):
            session = self.read(network_id)
            response = change(session)
            self.store.save(
                session.dump(), session.new_step_losses(), session.new_history(), clear_logs=clear_logs
            )
        return response

    # --- networks --------------------------------------------------------------------

    def public(self, session: Session) -> dict:
        spec, doc, t = session.spec, session.doc, session.trainer
        if t is not None:
            cursor = {
                "position": t.cursor,
                "batch_index": t.cursor // t.batch_size,
                "batches_per_epoch": t.batches_per_epoch,
                "batch_size": t.batch_size,
                "n_train": t.n_train,
                "n_validation": len(t.val_idx),
                "next_indices": serialize.indices(t.next_batch()),
            }
        else:
            cursor = {
                "position": 0,
                "batch_index": 0,
                "batches_per_epoch": 0,
                "batch_size": spec["batch_size"],
                "n_train": 0,
                "n_validation": 0,
                "next_indices": [],
            }
        ds = session.dataset
        return {
            **{
                k: spec[k]
                for k in (
                    "layers",
                    "activations",
                    "loss",
                    "learning_rate",
                    "optimizer",
                    "regularization",
                    "init",
                    "trainable",
                    "data",
                    "batch_size",
                    "validation_split",
                    "seed",
                )
            },
            "id": doc["id"],
            "parameters": serialize.parameters(session.net),
            "phase": doc["phase"],
            "epoch": session.epoch,
            "step": session.step,
            "task": ds.task if ds else None,
            "feature_names": ds.feature_names if ds else [f"X{i + 1}" for i in range(spec["layers"][0])],
            "target_names": ds.target_names if ds else [f"y{k + 1}" for k in range(spec["layers"][-1])],
            "n_parameters": session.net.n_parameters,
            "cursor": cursor,
        }

    def insert(self, session: Session) -> dict:
        """Save a network opened from a new document; returns its public view."""
        response = self.public(session)
        self.store.save(session.dump(), history=session.new_history())
        return response

    def create(self, spec: NetworkSpec) -> dict:
        return self.insert(self.open(self.new_document(spec)))

    def get(self, network_id: str) -> dict:
        return self.public(self.read(network_id))

    def list(self) -> dict:
        networks = []
        for doc in self.store.list():
            spec = doc["spec"]
            networks.append(
                {
                    "id": doc["id"],
                    "layers": spec["layers"],
                    "activations": spec["activations"],
                    "loss": spec["loss"],
                    "task": doc.get("task"),
                    "phase": doc["phase"],
                    "epoch": doc["trainer"]["epoch"],
                    "step": doc["trainer"]["step"],
                    "created_at": doc["created_at"],
                    "updated_at": doc["updated_at"],
                }
            )
        return {"networks": networks}

    def delete(self, network_id: str) -> None:
        self.require(network_id)
        with self.store.lock(network_id):
            if not self.store.delete(network_id):
                raise NotFound(f"no network with id {network_id!r}")

    def patch(self, network_id: str, body: NetworkPatch) -> dict:
        # Nested models are dumped whole: {"name": "adam"} brings Adam's default betas.
        full = body.model_dump(mode="json")
        changes = {key: full[key] for key in body.model_fields_set}

        def change(session: Session) -> dict:
            spec = dict(session.spec)
            n_layers = len(spec["layers"]) - 1
            for key, value in changes.items():
                if value is None:
                    raise InvalidInput(f"{key} cannot be null; omit it to keep the current value")
                if key == "activations":
                    check_per_layer(key, value, n_layers, "name")
                if key == "trainable" and isinstance(value, list):
                    check_per_layer(key, value, n_layers, "entry")
                spec[key] = value
            doc = session.doc
            if spec["optimizer"]["name"] != session.spec["optimizer"]["name"]:
                # Momentum's velocity means nothing to Adam (and vice versa): start fresh.
                doc["optimizer_state"] = {"t": 0, "state": {}}
            doc["spec"] = spec
            doc["phase"], doc["pending"] = "ready", None
            reopened = self.open(session.dump())  # validates the new combination in the engine
            reopened.carried_history = session.carried_history  # not yet written to the store
            session.__dict__.update(reopened.__dict__)
            return self.public(session)

        return self.mutate(network_id, change)

    def put_parameters(self, network_id: str, body: ParametersIn) -> dict:
        def change(session: Session) -> dict:
            layers = session.spec["layers"]
            if body.weights is not None:
                self.check_weights(body.weights, layers, "weights")
                for layer, W in zip(session.net.layers, body.weights, strict=False):
                    layer.W = np.array(W, dtype=np.float64)
            if body.biases is not None:
                self.check_biases(body.biases, layers, "biases")
                for layer, b in zip(session.net.layers, body.biases, strict=False):
                    layer.b = np.array(b, dtype=np.float64)
            session.doc["phase"], session.doc["pending"] = "ready", None
            return self.public(session)

        return self.mutate(network_id, change)

    def reset(self, network_id: str) -> dict:
        def change(session: Session) -> dict:
            doc = session.doc
            fresh = self.new_document(NetworkSpec.model_validate(doc["spec"]))
            for key in ("parameters", "optimizer_state", "trainer", "phase", "pending"):
                doc[key] = fresh[key]
            session.__dict__.update(self.open(doc).__dict__)
            return self.public(session)

        return self.mutate(network_id, change, clear_logs=True)

    # --- phases ----------------------------------------------------------------------

    def _forward(self, session: Session, inputs: list | None, indices: list[int] | None) -> dict:
        if inputs is not None and indices is not None:
            raise InvalidInput("send either inputs or indices, not both")
        n0 = session.spec["layers"][0]
        if inputs is not None:
            X = serialize.matrix(inputs, "inputs", n0)
            self.limits.check("max_samples", len(X), "the number of input rows")
            pending = {"source": "explicit", "inputs": serialize.array(X), "targets": None}
            used = None
        else:
            dataset, trainer = session.require_data()
            if indices is not None:
                self.limits.check("max_samples", len(indices), "the number of indices")
                bad = [i for i in indices if i >= len(dataset.X)]
                if bad:
                    raise InvalidInput(
                        f"indices {bad[:5]} are out of range: the dataset has {len(dataset.X)} rows"
                    )
                used = list(indices)
                pending = {"source": "indices", "indices": used}
            else:
                used = serialize.indices(trainer.next_batch())
                pending = {"source": "cursor", "indices": used}
            X = dataset.X[np.array(used, dtype=np.int64)]
        fwd = engine.forward(session.net, X)
        session.fwd, session.lss, session.back = fwd, None, None
        session.doc["phase"], session.doc["pending"] = "forward", pending
        return serialize.forward_out(session.net, fwd, used, self.limits.max_trace_samples)

    def _loss(self, session: Session, targets: list | None) -> dict:
        session.require_phase("loss")
        pending = session.doc["pending"]
        X, Y = session.batch()
        if pending["source"] == "explicit":
            if targets is None:
                raise InvalidInput("targets are required: forward ran on explicit inputs")
            Y = serialize.matrix(targets, "targets", session.spec["layers"][-1])
            if len(Y) != len(X):
                raise InvalidInput(f"targets needs {len(X)} rows, one per input row, got {len(Y)}")
            pending["targets"] = serialize.array(Y)
        elif targets is not None:
            raise InvalidInput("omit targets: this batch comes from the dataset, which holds its targets")
        if session.fwd is None:
            session.fwd = engine.forward(session.net, X)
        session.lss = lss = engine.loss(session.net, session.fwd, Y)
        session.doc["phase"] = "loss"
        return serialize.loss_out(lss, self.limits.max_trace_samples)

    def _traces(
        self, session: Session
    ) -> tuple[np.ndarray, np.ndarray, engine.LossTrace, engine.BackwardTrace]:
        """The step's batch, loss and gradients: recomputed from the stored step (a phase of
        its own request), or those an earlier phase of this request computed."""
        X, Y = session.batch()
        if session.fwd is None:
            session.fwd = engine.forward(session.net, X)
        if session.lss is None:
            session.lss = engine.loss(session.net, session.fwd, Y)
        if session.back is None:
            session.back = engine.backward(session.net, session.fwd, session.lss)
        return X, Y, session.lss, session.back

    def _backward(self, session: Session) -> dict:
        session.require_phase("backward")
        *_, back = self._traces(session)
        session.doc["phase"] = "backward"
        return serialize.backward_out(back, self.limits.max_trace_samples)

    def _update(self, session: Session) -> dict:
        session.require_phase("update")
        X, Y, lss, back = self._traces(session)
        trace = engine.update(session.net, session.opt, back, X, Y)
        session.fwd = session.lss = session.back = None  # the parameters changed
        pending = session.doc["pending"]
        summary = None
        if pending["source"] == "cursor":
            norms = [g.grad_norm for g in back.layers]
            summary = session.trainer.advance(session.net, norms, len(X), serialize.number(lss.loss))
        else:
            session.count_update(serialize.number(lss.loss))
        session.doc["phase"], session.doc["pending"] = "update", None
        return serialize.update_out(trace, session.epoch, session.step, summary)

    def forward(self, network_id: str, body: ForwardIn) -> dict:
        return self.mutate(network_id, lambda s: self._forward(s, body.inputs, body.indices))

    def loss(self, network_id: str, body: LossIn) -> dict:
        return self.mutate(network_id, lambda s: self._loss(s, body.targets))

    def backward(self, network_id: str) -> dict:
        return self.mutate(network_id, self._backward)

    def update(self, network_id: str) -> dict:
        return self.mutate(network_id, self._update)

    def step(self, network_id: str, body: StepIn) -> dict:
        if body.inputs is not None and body.targets is None:
            raise InvalidInput("targets are required with explicit inputs")
        if body.targets is not None and body.inputs is None:
            raise InvalidInput(
                "targets need explicit inputs; without inputs the batch comes from the dataset"
            )

        def change(session: Session) -> dict:
            out = {"forward": self._forward(session, body.inputs, body.indices)}
            out["loss"] = self._loss(session, body.targets)
            out["backward"] = self._backward(session)
            out["update"] = self._update(session)
            return out

        return self.mutate(network_id, change)

    # --- training --------------------------------------------------------------------

    def _check_history(self, entries: list[dict]) -> list[dict]:
        try:
            return [serialize.history_entry(e) for e in entries]
        except InvalidInput:
            raise InvalidInput(
                "training made the loss non-finite; nothing was saved — try a lower learning rate"
            ) from None

    def epoch(self, network_id: str) -> dict:
        def change(session: Session) -> dict:
            _, trainer = session.require_data()
            entry = trainer.run_epoch(session.net, session.opt)
            session.doc["phase"], session.doc["pending"] = "ready", None
            (summary,) = self._check_history([entry])
            return {"summary": summary, "history": [summary], "network": self.public(session)}

        return self.mutate(network_id, change)

    def check_train(self, network_id: str, body: TrainIn) -> None:
        """Checks that can fail before a stream starts (so they get a proper status code)."""
        self.limits.check("max_epochs", body.epochs, "epochs")
        self.require(network_id)

    def train(
        self,
        network_id: str,
        body: TrainIn,
        stop: threading.Event,
        on_epoch: Callable[[dict], None] | None = None,
    ) -> dict:
        self.check_train(network_id, body)
        es = body.early_stopping

        def emit(entry: dict) -> None:
            if on_epoch is not None:
                on_epoch(self._check_history([entry])[0])

        def change(session: Session) -> dict:
            _, trainer = session.require_data()
            self.runs.register(network_id, stop)
            try:
                result = engine.train(
                    session.net,
                    session.opt,
                    trainer,
                    body.epochs,
                    patience=es.patience if es else None,
                    min_delta=es.min_delta if es else 0.0,
                    on_epoch=emit,
                    should_stop=stop.is_set,
                )
            finally:
                self.runs.unregister(network_id, stop)
            session.doc["phase"], session.doc["pending"] = "ready", None
            history = self._check_history(result.history)
            return {
                "epochs_run": result.epochs_run,
                "stopped_early": result.stopped_early,
                "history": history,
                "network": self.public(session),
            }

        return self.mutate(network_id, change)

    def stop(self, network_id: str) -> dict:
        self.require(network_id)
        return {"stopping": self.runs.stop(network_id)}

    def history(self, network_id: str, since_step: int | None = None) -> dict:
        """Every epoch's summary; the step losses after `since_step` (all when None)."""
        self.require(network_id)
        return {
            "history": [serialize.history_entry(e) for e in self.store.history(network_id)],
            "steps": self.store.steps(network_id, since_step=since_step),
        }

    def data(self, network_id: str) -> dict:
        session = self.read(network_id)
        dataset, trainer = session.require_data()
        return {
            **self.datasets.dataset_out(dataset),
            "train_indices": serialize.indices(trainer.train_idx),
            "val_indices": serialize.indices(trainer.val_idx),
        }

    # --- predict and gradcheck -------------------------------------------------------

    def predict(self, network_id: str, body: PredictIn) -> dict:
        session = self.read(network_id)
        n0 = session.spec["layers"][0]
        if (body.inputs is None) == (body.grid is None):
            raise InvalidInput("send exactly one of inputs or grid")
        if body.inputs is not None:
            X = serialize.matrix(body.inputs, "inputs", n0)
            self.limits.check("max_samples", len(X), "the number of input rows")
            out: dict = {}
        else:
            grid = body.grid
            if n0 != 2:
                raise InvalidInput(f"a grid needs a network with 2 input features; this one has {n0}")
            self.limits.check("max_grid_resolution", grid.resolution, "grid.resolution")
            bounds = self._grid_bounds(session, grid)
            x = np.linspace(bounds[0], bounds[1], grid.resolution)
            y = np.linspace(bounds[2], bounds[3], grid.resolution)
            xx, yy = np.meshgrid(x, y)  # row j, column i: point p = j*R + i
            X = np.column_stack([xx.ravel(), yy.ravel()])
            out = {"x": serialize.array(x), "y": serialize.array(y)}
        fwd = engine.forward(session.net, X)
        out["outputs"] = serialize.array(fwd.output)
        out["layers"] = [{"index": i, "a": serialize.array(a)} for i, a in enumerate(fwd.a, start=1)]
        return out

    @staticmethod
    def _grid_bounds(session: Session, grid) -> tuple[float, float, float, float]:
        if session.dataset is not None:
            lo, hi = session.dataset.X.min(axis=0), session.dataset.X.max(axis=0)
            pad = 0.1 * np.maximum(hi - lo, 1e-9)
            default = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
        else:
            default = (-1.1, 1.1, -1.1, 1.1)
        chosen = [
            default[k] if v is None else v
            for k, v in enumerate((grid.x_min, grid.x_max, grid.y_min, grid.y_max))
        ]
        if not (chosen[0] < chosen[1] and chosen[2] < chosen[3]):
            raise InvalidInput("grid bounds need x_min < x_max and y_min < y_max")
        return tuple(float(c) for c in chosen)

    def gradcheck(self, network_id: str, body: GradcheckIn) -> dict:
        session = self.read(network_id)
        layers = session.spec["layers"]
        if (body.inputs is None) != (body.targets is None):
            raise InvalidInput("send both inputs and targets, or neither (the batch at the cursor)")
        if body.inputs is not None:
            X = serialize.matrix(body.inputs, "inputs", layers[0])
            Y = serialize.matrix(body.targets, "targets", layers[-1])
            if len(X) != len(Y):
                raise InvalidInput(f"targets needs {len(X)} rows, one per input row, got {len(Y)}")
        else:
            _, trainer = session.require_data()
            X, Y = trainer.batch_arrays()
        work = session.net.n_parameters * len(X)
        if work > GRADCHECK_MAX_WORK:
            raise LimitExceeded(
                f"gradcheck work (parameters × samples) is {work}, over the limit {GRADCHECK_MAX_WORK}; "
                "check a smaller batch"
            )
        check = engine.gradient_check(session.net, X, Y, body.epsilon)
        return {
            "max_rel_error": serialize.number(check.max_rel_error),
            "max_abs_error": serialize.number(check.max_abs_error),
            "epsilon": check.epsilon,
            "n_parameters": check.n_parameters,
            "passed": check.max_rel_error < GRADCHECK_TOLERANCE,
            "tolerance": GRADCHECK_TOLERANCE,
            "layers": [
                {
                    "index": g.index,
                    "numeric_W": serialize.array(g.numeric_W),
                    "backprop_W": serialize.array(g.backprop_W),
                    "numeric_b": serialize.array(g.numeric_b),
                    "backprop_b": serialize.array(g.backprop_b),
                    "max_rel_error": serialize.number(g.max_rel_error),
                }
                for g in check.layers
            ],
        }

    # --- export / import -------------------------------------------------------------

    def export(self, network_id: str) -> dict:
        doc = self.load(network_id)
        t = doc["trainer"]
        return {
            "format": EXPORT_FORMAT,
            "spec": doc["spec"],
            "parameters": doc["parameters"],
            "optimizer_state": doc["optimizer_state"],
            "trainer": {k: t[k] for k in ("epoch", "step", "cursor", "norm_sums", "norm_count")},
            "history": self.store.history(network_id),
        }

    def import_(self, body: ExportDocument) -> dict:
        doc = self.new_document(body.spec)
        layers = doc["spec"]["layers"]
        doc["parameters"] = {
            "weights": self.check_weights(body.parameters.weights, layers, "parameters.weights"),
            "biases": self.check_biases(body.parameters.biases, layers, "parameters.biases"),
        }
        shapes = {}
        for l, (n_in, n_out) in enumerate(zip(layers[:-1], layers[1:], strict=False), start=1):
            shapes[f"W{l}"], shapes[f"b{l}"] = (n_out, n_in), (n_out,)
        state = body.optimizer_state.state
        for key, slots in state.items():
            if key not in shapes:
                raise InvalidInput(
                    f"optimizer_state.state: unknown parameter {key!r}; expected one of {list(shapes)}"
                )
            for slot, value in slots.items():
                if slot not in ("v", "m") or np.shape(value) != shapes[key]:
                    raise InvalidInput(
                        f"optimizer_state.state.{key}.{slot} must be 'v' or 'm' of shape {shapes[key]}"
                    )
        doc["optimizer_state"] = body.optimizer_state.model_dump(mode="json")
        trainer = body.trainer.model_dump(mode="json")
        if trainer["norm_sums"] and len(trainer["norm_sums"]) != len(layers) - 1:
            raise InvalidInput("trainer.norm_sums needs one value per non-input layer (or none)")
        trainer["history"] = [h.model_dump(mode="json") for h in body.history]
        doc["trainer"] = trainer
        session = self.open(doc)
        if session.trainer is not None and trainer["cursor"] >= max(session.trainer.n_train, 1):
            raise InvalidInput(f"trainer.cursor must be below the {session.trainer.n_train} training samples")
        return self.insert(session)
