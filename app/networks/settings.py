"""A network's hyperparameters as typed values: read from its stored spec when it is opened,
they make the engine's regularization, optimizer and trainer; a PATCH changes them here and
they are written back into the spec."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from backprop_explorer.engine import Dataset, Optimizer, Regularization, Trainer

from ..schemas import NetworkPatch


def epoch_end_step(progress: dict) -> int | None:
    """Updates applied when the last epoch closed, from stored trainer ``progress`` (a
    document's, a snapshot header's, an export's): 0 before any epoch; None when the progress
    was stored before the server counted it and an epoch had closed (not known)."""
    known = progress.get("epoch_end_step")
    return known if known is not None or progress["epoch"] else 0


@dataclass(frozen=True)
class Settings:
    learning_rate: float
    optimizer: str  # the update rule: sgd, momentum or adam
    beta: float  # momentum's
    beta1: float  # adam's
    beta2: float
    eps: float
    regularization: str  # none, l1 or l2
    regularization_rate: float
    batch_size: int
    validation_split: float
    seed: int  # of the hold-out and of every epoch's shuffle

    @classmethod
    def of(cls, spec: dict) -> Settings:
        """The settings of a resolved spec (as a network's document stores it)."""
        o, r = spec["optimizer"], spec["regularization"]
        return cls(
            learning_rate=spec["learning_rate"],
            optimizer=o["name"],
            beta=o["beta"],
            beta1=o["beta1"],
            beta2=o["beta2"],
            eps=o["eps"],
            regularization=r["kind"],
            regularization_rate=r["rate"],
            batch_size=spec["batch_size"],
            validation_split=spec["validation_split"],
            seed=spec["seed"],
        )

    def patched(self, body: NetworkPatch) -> Settings:
        """These settings with those ``body`` sets; a nested optimizer or regularization is
        taken whole (``{"name": "adam"}`` brings Adam's default betas)."""
        given = body.model_fields_set
        changes: dict[str, Any] = {}
        if "learning_rate" in given and body.learning_rate is not None:
            changes["learning_rate"] = body.learning_rate
        if "batch_size" in given and body.batch_size is not None:
            changes["batch_size"] = body.batch_size
        if "optimizer" in given and (o := body.optimizer) is not None:
            changes |= {"optimizer": o.name, "beta": o.beta, "beta1": o.beta1, "beta2": o.beta2, "eps": o.eps}
        if "regularization" in given and (r := body.regularization) is not None:
            changes |= {"regularization": r.kind, "regularization_rate": r.rate}
        return replace(self, **changes)

    def spec_fields(self) -> dict:
        """The settings as a stored spec holds them."""
        return {
            "learning_rate": self.learning_rate,
            "optimizer": {
                "name": self.optimizer,
                "beta": self.beta,
                "beta1": self.beta1,
                "beta2": self.beta2,
                "eps": self.eps,
            },
            "regularization": {"kind": self.regularization, "rate": self.regularization_rate},
            "batch_size": self.batch_size,
        }

    def make_regularization(self) -> Regularization:
        return Regularization(self.regularization, self.regularization_rate)

    def make_optimizer(self, state: dict) -> Optimizer:
        """The optimizer with the stored ``state`` (``{"t", "state"}`` of a document)."""
        slots = {
            k: {n: np.array(v, dtype=np.float64) for n, v in s.items()} for k, s in state["state"].items()
        }
        return Optimizer(
            self.optimizer,
            self.learning_rate,
            beta=self.beta,
            beta1=self.beta1,
            beta2=self.beta2,
            eps=self.eps,
            t=state["t"],
            state=slots,
        )

    def make_trainer(self, dataset: Dataset, progress: dict, max_step_losses: int) -> Trainer:
        """The trainer at the stored ``progress`` (epoch, step, cursor, the step the last epoch
        closed at, the epoch's norm sums)."""
        return Trainer(
            dataset,
            batch_size=self.batch_size,
            validation_split=self.validation_split,
            seed=self.seed,
            epoch=progress["epoch"],
            step=progress["step"],
            cursor=progress["cursor"],
            epoch_end_step=epoch_end_step(progress),
            norm_sums=progress["norm_sums"],
            norm_count=progress["norm_count"],
            max_step_losses=max_step_losses,
        )
