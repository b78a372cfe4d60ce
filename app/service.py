"""The service facade the routes call: one method per operation on networks.

Each mutation follows one pattern, :meth:`Service.mutate`: lock → load → open (engine
objects) → change → dump → save → respond. Any error on the way (a domain error, an engine
refusal, a non-finite result) leaves the stored document untouched. The phases skip "load
→ open" when this process holds the session it committed as the stored version
(:meth:`Service.run_phase`, ``networks/sessions.py``). The work itself lives in
:mod:`app.networks`: the codec, the phase state machine, training runs, analysis, transfer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from . import owners, serialize
from .config import Limits
from .datasets import Datasets
from .errors import InvalidInput, NotFound
from .networks import analysis, codec, phases, timeline, training, transfer, views
from .networks.codec import Session
from .networks.sessions import Sessions
from .networks.timeline import VerifiedReplays
from .networks.training import TrainRuns
from .schemas import (
    BackwardOut,
    EpochOut,
    ExportDocument,
    ForwardIn,
    ForwardOut,
    GradcheckIn,
    LossIn,
    LossOut,
    NetworkPatch,
    NetworkPublic,
    NetworkSpec,
    ParametersIn,
    PredictIn,
    StepIn,
    StepOut,
    TrainIn,
    TrainOut,
    UpdateOut,
)
from .store import Store

__all__ = ["Service", "Session"]


class Service:
    def __init__(self, store: Store, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self.runs = TrainRuns()
        self.datasets = Datasets(store, limits)
        self.sessions = Sessions()
        self.replays = VerifiedReplays()  # which replayed gaps of the timeline reproduce their end

    # --- loading, opening and committing ---------------------------------------------

    def load(self, network_id: str) -> dict:
        doc = self.store.load(network_id)
        if doc is None:
            raise NotFound(f"no network with id {network_id!r}")
        return doc

    def require(self, network_id: str) -> None:
        if not self.store.exists(network_id):
            raise NotFound(f"no network with id {network_id!r}")

    def open(self, doc: dict) -> Session:
        session = codec.open_document(doc, self.datasets)
        session.committed_step, session.snapshot_budget = session.step, self.limits.max_snapshot_bytes
        return session

    def read(self, network_id: str) -> Session:
        return self.open(self.load(network_id))

    def commit(
        self, session: Session, *, clear_logs: bool = False, first: bool = False, scratch: bool = False
    ) -> int:
        """Save the session's document with the epochs, update losses and timeline snapshots it
        produced (``first``: a new network, whose first state is snapshotted, owned by the
        requester; ``scratch``: built by a page for a look); returns the version saved."""
        doc, steps, history = session.dump(), session.new_step_losses(), session.new_history()
        snaps = timeline.to_save(session, self.limits.max_step_snapshots)
        if first or clear_logs:
            snaps.insert(0, timeline.start(session))
        version = self.store.save(
            doc,
            steps,
            history,
            clear_logs=clear_logs,
            timeline=snaps,
            owner=owners.current().owner,
            scratch=scratch,
        )
        session.logs_written()
        return version

    def mutate(self, network_id: str, change: Callable[[Session], Any], *, clear_logs: bool = False) -> Any:
        """Run ``change`` on the network under its lock and commit; nothing is saved if it raises."""
        return self.edit(network_id, lambda doc: None, change, clear_logs=clear_logs)

    def run_phase(self, network_id: str, change: Callable[[Session], Any]) -> Any:
        """:meth:`mutate` for the phases: the session this process committed last is reused
        when the stored version is still the one it committed (``networks/sessions.py``)."""
        if network_id not in self.sessions:  # a held one existed: the version check below tells
            self.require(network_id)  # 404 before a lock is made for an id that does not exist
        with self.store.lock(network_id):
            session = self.sessions.take(network_id, self.store.version(network_id))
            if session is None:
                session = self.open(self.load(network_id))
            response = change(session)
            version = self.commit(session)
            self.sessions.put(network_id, version, session)
        return response

    def edit(
        self,
        network_id: str,
        edit_doc: Callable[[dict], None],
        change: Callable[[Session], Any],
        *,
        clear_logs: bool = False,
    ) -> Any:
        """:meth:`mutate` with ``edit_doc`` applied to the stored document before it is opened
        (a new spec or a reset), so opening checks the edited combination."""
        self.require(network_id)  # 404 before a lock is made for an id that does not exist
        with self.store.lock(network_id):
            self.sessions.drop(network_id)
            doc = self.load(network_id)
            edit_doc(doc)
            session = self.open(doc)
            response = change(session)
            self.commit(session, clear_logs=clear_logs)
        return response

    def insert(self, session: Session, *, scratch: bool = False) -> NetworkPublic:
        """Save a network opened from a new document; returns its public view."""
        response = views.network_public(session)
        self.commit(session, first=True, scratch=scratch)
        return response

    # --- networks --------------------------------------------------------------------

    def create(self, spec: NetworkSpec, *, scratch: bool = False) -> NetworkPublic:
        return self.insert(self.open(codec.new_document(spec, self.limits)), scratch=scratch)

    def get(self, network_id: str) -> NetworkPublic:
        return views.network_public(self.read(network_id))

    def delete(self, network_id: str) -> None:
        self.require(network_id)
        with self.store.lock(network_id):
            self.sessions.drop(network_id)
            if not self.store.delete(network_id):
                raise NotFound(f"no network with id {network_id!r}")

    def patch(self, network_id: str, body: NetworkPatch) -> NetworkPublic:
        # Nested models are dumped whole: {"name": "adam"} brings Adam's default betas.
        full = body.model_dump(mode="json")
        changes = {key: full[key] for key in body.model_fields_set}

        def edit_doc(doc: dict) -> None:
            spec = dict(doc["spec"])
            n_layers = len(spec["layers"]) - 1
            for key, value in changes.items():
                if value is None:
                    raise InvalidInput(f"{key} cannot be null; omit it to keep the current value")
                if key == "activations":
                    codec.check_per_layer(key, value, n_layers, "name")
                if key == "trainable" and isinstance(value, list):
                    codec.check_per_layer(key, value, n_layers, "entry")
                spec[key] = value
            if spec["optimizer"]["name"] != doc["spec"]["optimizer"]["name"]:
                # Momentum's velocity means nothing to Adam (and vice versa): start fresh.
                doc["optimizer_state"] = {"t": 0, "state": {}}
            doc["spec"] = spec
            doc["phase"], doc["pending"] = "ready", None

        return self.edit(network_id, edit_doc, views.network_public)

    def put_parameters(self, network_id: str, body: ParametersIn) -> NetworkPublic:
        def change(session: Session) -> NetworkPublic:
            layers = session.spec["layers"]
            if body.weights is not None:
                codec.check_weights(body.weights, layers, "weights")
                for layer, W in zip(session.net.layers, body.weights, strict=False):
                    layer.W = np.array(W, dtype=np.float64)
            if body.biases is not None:
                codec.check_biases(body.biases, layers, "biases")
                for layer, b in zip(session.net.layers, body.biases, strict=False):
                    layer.b = np.array(b, dtype=np.float64)
            session.finish_step()
            return views.network_public(session)

        return self.mutate(network_id, change)

    def reset(self, network_id: str) -> NetworkPublic:
        def edit_doc(doc: dict) -> None:
            doc["parameters"] = codec.initial_parameters(doc["spec"])
            doc.update(codec.fresh_state())

        return self.edit(network_id, edit_doc, views.network_public, clear_logs=True)

    # --- phases ----------------------------------------------------------------------

    def forward(self, network_id: str, body: ForwardIn) -> ForwardOut:
        return self.run_phase(network_id, lambda s: phases.forward(s, self.limits, body.inputs, body.indices))

    def loss(self, network_id: str, body: LossIn) -> LossOut:
        return self.run_phase(network_id, lambda s: phases.loss(s, self.limits, body.targets))

    def backward(self, network_id: str) -> BackwardOut:
        return self.run_phase(network_id, lambda s: phases.backward(s, self.limits))

    def update(self, network_id: str) -> UpdateOut:
        return self.run_phase(network_id, lambda s: phases.update(s, self.limits))

    def step(self, network_id: str, body: StepIn) -> StepOut:
        if body.inputs is not None and body.targets is None:
            raise InvalidInput("targets are required with explicit inputs")
        if body.targets is not None and body.inputs is None:
            raise InvalidInput(
                "targets need explicit inputs; without inputs the batch comes from the dataset"
            )
        return self.run_phase(
            network_id, lambda s: phases.step(s, self.limits, body.inputs, body.targets, body.indices)
        )

    # --- training --------------------------------------------------------------------

    def epoch(self, network_id: str) -> EpochOut:
        return self.mutate(network_id, training.epoch)

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
    ) -> TrainOut:
        self.check_train(network_id, body)

        def change(session: Session) -> TrainOut:
            self.runs.register(network_id, stop)
            try:
                return training.train(session, body, stop, self.commit, on_epoch)
            finally:
                self.runs.unregister(network_id, stop)

        return self.mutate(network_id, change)

    def stop(self, network_id: str) -> dict:
        self.require(network_id)
        return {"stopping": self.runs.stop(network_id)}

    def shutdown(self) -> int:
        """Stop every running train after its current epoch (server shutdown); each commits."""
        return self.runs.stop_all()

    def history(self, network_id: str, since_step: int | None = None) -> dict:
        """Every epoch's summary; the step losses after `since_step` (all when None)."""
        self.require(network_id)
        entries: Iterable[dict] = self.store.history(network_id)
        return {
            "history": [serialize.history_entry(e) for e in entries],
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

    # --- analysis and transfer ---------------------------------------------------------

    def predict(self, network_id: str, body: PredictIn) -> dict:
        at = body.snapshot
        session = (
            self.read(network_id)
            if at is None
            else timeline.read_at(self, network_id, step=at.step, epoch=at.epoch)
        )
        return analysis.predict(session, self.limits, body)

    def gradcheck(self, network_id: str, body: GradcheckIn) -> dict:
        return analysis.gradcheck(self.read(network_id), self.limits, body)

    def export(self, network_id: str) -> dict:
        return transfer.export(
            self.load(network_id), self.store.history(network_id), self.store.steps(network_id)
        )

    def import_(self, body: ExportDocument) -> NetworkPublic:
        return self.insert(transfer.open_import(body, self.limits, self.datasets))
