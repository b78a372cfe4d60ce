"""The phases of a step, whole epochs and training runs."""

from __future__ import annotations

import threading
from collections.abc import Callable

from .. import costs
from ..errors import InvalidInput
from ..networks import phases, training
from ..networks.codec import Session
from ..schemas import (
    BackwardOut,
    EpochOut,
    ForwardIn,
    ForwardOut,
    LossIn,
    LossOut,
    StepIn,
    StepOut,
    TrainIn,
    TrainOut,
    UpdateOut,
)
from .core import Core, Cost


class Steps(Core):
    def trace_cost(self, inputs: list | None = None, indices: list | None = None) -> Cost:
        """The memory of a phase (or a whole step) on the request's rows or the batch."""

        def cost(session: Session) -> int:
            rows = costs.step_rows(session, inputs, indices)
            return costs.trace(costs.shape_of(session), rows, min(rows, self.limits.max_trace_samples))

        return cost

    def forward(self, network_id: str, body: ForwardIn) -> ForwardOut:
        return self.run_phase(
            network_id,
            lambda s: phases.forward(s, self.limits, body.inputs, body.indices, body.units),
            self.trace_cost(body.inputs, body.indices),
        )

    def loss(self, network_id: str, body: LossIn) -> LossOut:
        return self.run_phase(
            network_id, lambda s: phases.loss(s, self.limits, body.targets, body.units), self.trace_cost()
        )

    def backward(self, network_id: str) -> BackwardOut:
        return self.run_phase(network_id, lambda s: phases.backward(s, self.limits), self.trace_cost())

    def update(self, network_id: str) -> UpdateOut:
        return self.run_phase(network_id, lambda s: phases.update(s, self.limits), self.trace_cost())

    def step(self, network_id: str, body: StepIn) -> StepOut:
        if body.inputs is not None and body.targets is None:
            raise InvalidInput("targets are required with explicit inputs")
        if body.targets is not None and body.inputs is None:
            raise InvalidInput(
                "targets need explicit inputs; without inputs the batch comes from the dataset"
            )
        return self.run_phase(
            network_id,
            lambda s: phases.step(s, self.limits, body.inputs, body.targets, body.indices, body.units),
            self.trace_cost(body.inputs, body.indices),
        )

    def epoch(self, network_id: str) -> EpochOut:
        return self.mutate(network_id, training.epoch, cost=lambda s: costs.epoch(costs.shape_of(s)))

    def check_train(self, network_id: str, body: TrainIn) -> None:
        """Checks that can fail before a stream starts (so they get a proper status code)."""
        self.limits.check("max_epochs", body.epochs, "epochs")
        self.require(network_id)
        es = body.early_stopping
        if (
            es is not None
            and es.train_accuracy is not None
            and self.load(network_id).get("task") == "regression"
        ):
            raise InvalidInput(
                "early_stopping.train_accuracy needs a classification network: "
                "a regression has no accuracy (use patience)"
            )

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

        budget = self.limits.max_snapshot_bytes
        return self.mutate(network_id, change, cost=lambda s: costs.train(costs.shape_of(s), budget))

    def stop(self, network_id: str) -> dict:
        self.require(network_id)
        return {"stopping": self.runs.stop(network_id)}

    def shutdown(self) -> int:
        """Stop every running train after its current epoch (server shutdown); each commits."""
        return self.runs.stop_all()
