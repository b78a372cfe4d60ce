"""Export a network as a self-contained document, and import one as a new network."""

from __future__ import annotations

import math

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
from .settings import epoch_end_step


def export(doc: dict, history: list[dict], steps: list[dict]) -> dict:
    """The stored document ``doc``, its epoch ``history`` and update losses as an export document."""
    t = doc["trainer"]
    return {
        "format": EXPORT_FORMAT,
        "spec": doc["spec"],
        "parameters": doc["parameters"],
        "optimizer_state": doc["optimizer_state"],
        "trainer": {k: epoch_end_step(t) if k == "epoch_end_step" else t[k] for k in TRAINER_FIELDS},
        "history": history,
        "steps": steps,
    }


# The optimizer state each optimizer keeps per parameter tensor: (required slots, optional ones).
SLOTS = {"sgd": (set(), set()), "momentum": ({"v"}, set()), "adam": ({"m", "v"}, {"t"})}


def _shape(value: object) -> tuple[int, ...] | None:
    """The shape of a JSON vector or rectangular matrix; None for anything else (a ragged one)."""
    if not isinstance(value, list):
        return None
    if all(isinstance(x, float | int) and not isinstance(x, bool) for x in value):
        return (len(value),)
    if value and all(isinstance(row, list) and len(row) == len(value[0]) for row in value):
        if all(_shape(row) == (len(value[0]),) for row in value):
            return (len(value), len(value[0]))
    return None


def _check_optimizer_state(body: ExportDocument, layers: list[int]) -> None:
    """Per parameter tensor, the slots its optimizer keeps, each of the tensor's shape; Adam's
    v ≥ 0 (a mean of squares) and its count t between 1 and the optimizer's t."""
    name, state = body.spec.optimizer.name, body.optimizer_state
    shapes: dict[str, tuple[int, ...]] = {}
    for l, (n_in, n_out) in enumerate(zip(layers[:-1], layers[1:], strict=False), start=1):
        shapes[f"W{l}"], shapes[f"b{l}"] = (n_out, n_in), (n_out,)
    required, optional = SLOTS[name]
    for key, slots in state.state.items():
        where = f"optimizer_state.state.{key}"
        if key not in shapes:
            raise InvalidInput(f"{where}: unknown parameter {key!r}; expected one of {list(shapes)}")
        if not required <= slots.keys() <= required | optional:
            wanted = " and ".join(sorted(required)) or "nothing"
            extra = f" (and optionally {', '.join(sorted(optional))})" if optional else ""
            raise InvalidInput(f"{where}: {name} keeps {wanted}{extra} per parameter, got {sorted(slots)}")
        for slot, value in slots.items():
            if slot == "t":
                if not isinstance(value, int) or not 1 <= value <= state.t:
                    raise InvalidInput(
                        f"{where}.t must be a whole number from 1 to optimizer_state.t ({state.t})"
                    )
                continue
            if _shape(value) != shapes[key]:
                raise InvalidInput(f"{where}.{slot} must be an array of shape {shapes[key]}, like {key}")
            if name == "adam" and slot == "v" and np.min(value) < 0:
                raise InvalidInput(
                    f"{where}.v is Adam's running mean of squared gradients: it cannot be negative"
                )
    if state.t > body.trainer.step:
        raise InvalidInput(
            f"optimizer_state.t ({state.t}) counts updates: at most trainer.step ({body.trainer.step})"
        )


def _check_trainer(body: ExportDocument, n_layers: int) -> None:
    """Counters consistent with each other (their range, 0..2^52, is the schema's)."""
    t = body.trainer
    if t.epoch > t.step:
        raise InvalidInput(
            f"trainer.epoch ({t.epoch}) cannot exceed trainer.step ({t.step}): an epoch takes an update"
        )
    ended = t.epoch_end_step
    if ended is not None:
        if t.epoch == 0 and ended != 0:
            raise InvalidInput(f"trainer.epoch_end_step ({ended}) must be 0 while no epoch has closed")
        if not t.epoch <= ended <= t.step:
            raise InvalidInput(
                f"trainer.epoch_end_step ({ended}) is the step the last epoch closed at: from trainer.epoch "
                f"({t.epoch}, an update each) to trainer.step ({t.step})"
            )
        if t.cursor and ended == t.step:
            raise InvalidInput(
                f"trainer.cursor ({t.cursor}) says an epoch is in progress, so updates followed the last "
                f"epoch's end: trainer.epoch_end_step ({ended}) must be below trainer.step ({t.step})"
            )
    if t.norm_count > t.step:
        raise InvalidInput(f"trainer.norm_count ({t.norm_count}) cannot exceed trainer.step ({t.step})")
    if len(t.norm_sums) not in (0, n_layers) or (t.norm_count and len(t.norm_sums) != n_layers):
        raise InvalidInput(
            "trainer.norm_sums needs one value per non-input layer (none before an epoch's first update)"
        )


def _check_logs(body: ExportDocument, n_layers: int) -> None:
    """History: epochs in increasing order up to trainer.epoch, one gradient norm per layer.
    Steps: in increasing order up to trainer.step, in an epoch up to the one in progress."""
    t = body.trainer
    last = 0
    for k, entry in enumerate(body.history):
        where = f"history[{k}]"
        if not last < entry.epoch <= t.epoch:
            raise InvalidInput(
                f"{where}.epoch ({entry.epoch}) must come after the entry before ({last}) and be at most "
                f"trainer.epoch ({t.epoch})"
            )
        last = entry.epoch
        if len(entry.grad_norms) != n_layers:
            raise InvalidInput(f"{where}.grad_norms needs one norm per non-input layer: {n_layers}")
    previous = 0
    for k, step in enumerate(body.steps):
        if not previous < step.step <= t.step:
            raise InvalidInput(
                f"steps[{k}].step ({step.step}) must come after the step before ({previous}) and be at most "
                f"trainer.step ({t.step})"
            )
        if step.epoch > t.epoch + 1:
            raise InvalidInput(
                f"steps[{k}].epoch ({step.epoch}) is after the epoch in progress ({t.epoch + 1})"
            )
        previous = step.step


def open_import(body: ExportDocument, limits: Limits, datasets: Datasets) -> Session:
    """A new network (new id) opened from an export document, checked part by part."""
    doc = new_document(body.spec, limits)
    layers = doc["spec"]["layers"]
    doc["parameters"] = {
        "weights": check_weights(body.parameters.weights, layers, "parameters.weights"),
        "biases": check_biases(body.parameters.biases, layers, "parameters.biases"),
    }
    squares = sum(float(np.vdot(W, W)) for W in body.parameters.weights)  # inf, not an error, past 1.8e308
    squares += sum(float(np.vdot(b, b)) for b in body.parameters.biases)
    if not math.isfinite(squares):
        raise InvalidInput(
            "parameters: the sum of their squares overflows float64, which no update leaves (every "
            "update checks it): scale them down"
        )
    _check_trainer(body, len(layers) - 1)
    _check_optimizer_state(body, layers)
    _check_logs(body, len(layers) - 1)
    doc["optimizer_state"] = body.optimizer_state.model_dump(mode="json")
    trainer = body.trainer.model_dump(mode="json")
    trainer["history"] = [h.model_dump(mode="json") for h in body.history]
    doc["trainer"] = trainer
    session = open_document(doc, datasets)
    if session.trainer is not None and trainer["cursor"] >= max(session.trainer.n_train, 1):
        raise InvalidInput(f"trainer.cursor must be below the {session.trainer.n_train} training samples")
    session.other_step_losses = [[s.step, s.epoch, s.loss] for s in body.steps[-limits.max_step_losses :]]
    return session
