"""Export a network as a self-contained document, and import one as a new network."""

from __future__ import annotations

import numpy as np

from ..config import Limits
from ..datasets import Datasets
from ..errors import InvalidInput
from ..schemas import ExportDocument
from .codec import (
    EXPORT_FORMAT,
    TRAINER_FIELDS,
    Session,
    check_biases,
    check_weights,
    new_document,
    open_document,
)


def export(doc: dict, history: list[dict], steps: list[dict]) -> dict:
    """The stored document ``doc``, its epoch ``history`` and update losses as an export document."""
    t = doc["trainer"]
    return {
        "format": EXPORT_FORMAT,
        "spec": doc["spec"],
        "parameters": doc["parameters"],
        "optimizer_state": doc["optimizer_state"],
        "trainer": {k: t[k] for k in TRAINER_FIELDS},
        "history": history,
        "steps": steps,
    }


def _check_optimizer_state(body: ExportDocument, layers: list[int]) -> None:
    shapes: dict[str, tuple[int, ...]] = {}
    for l, (n_in, n_out) in enumerate(zip(layers[:-1], layers[1:], strict=False), start=1):
        shapes[f"W{l}"], shapes[f"b{l}"] = (n_out, n_in), (n_out,)
    for key, slots in body.optimizer_state.state.items():
        if key not in shapes:
            raise InvalidInput(
                f"optimizer_state.state: unknown parameter {key!r}; expected one of {list(shapes)}"
            )
        for slot, value in slots.items():
            if slot == "t":
                if not isinstance(value, int):
                    raise InvalidInput(f"optimizer_state.state.{key}.t must be a whole number ≥ 0")
            elif slot not in ("v", "m") or np.shape(value) != shapes[key]:
                raise InvalidInput(
                    f"optimizer_state.state.{key}.{slot} must be 'v' or 'm' of shape {shapes[key]}, or 't'"
                )


def open_import(body: ExportDocument, limits: Limits, datasets: Datasets) -> Session:
    """A new network (new id) opened from an export document, checked part by part."""
    doc = new_document(body.spec, limits)
    layers = doc["spec"]["layers"]
    doc["parameters"] = {
        "weights": check_weights(body.parameters.weights, layers, "parameters.weights"),
        "biases": check_biases(body.parameters.biases, layers, "parameters.biases"),
    }
    _check_optimizer_state(body, layers)
    doc["optimizer_state"] = body.optimizer_state.model_dump(mode="json")
    trainer = body.trainer.model_dump(mode="json")
    if trainer["norm_sums"] and len(trainer["norm_sums"]) != len(layers) - 1:
        raise InvalidInput("trainer.norm_sums needs one value per non-input layer (or none)")
    trainer["history"] = [h.model_dump(mode="json") for h in body.history]
    doc["trainer"] = trainer
    late = [s.step for s in body.steps if s.step > trainer["step"]]
    if late:
        raise InvalidInput(f"steps: step {late[0]} is after trainer.step={trainer['step']}")
    session = open_document(doc, datasets)
    if session.trainer is not None and trainer["cursor"] >= max(session.trainer.n_train, 1):
        raise InvalidInput(f"trainer.cursor must be below the {session.trainer.n_train} training samples")
    session.other_step_losses = [[s.step, s.epoch, s.loss] for s in body.steps[-limits.max_step_losses :]]
    return session
