"""The one place where arrays cross the wire: JSON lists to float64 arrays (:func:`matrix`)
and engine arrays to JSON-ready lists (:func:`array`), and the phase traces as their
response models (``schemas.phases``), cut to ``trace_samples`` rows.

Every array passes through :func:`array`, which refuses non-finite values: JSON has no NaN
or infinity, and a number that overflowed float64 is an input problem (422), not a crash.
"""

from __future__ import annotations

import math

import numpy as np
from backprop_explorer.engine import BackwardTrace, ForwardTrace, LossTrace, Network, UpdateTrace

from .errors import InvalidInput
from .schemas import (
    BackwardLayer,
    BackwardOut,
    ForwardLayer,
    ForwardOut,
    Health,
    HistoryEntry,
    LossOut,
    UpdateLayer,
    UpdateOut,
)

OVERFLOW = (
    "the computation overflowed float64 (a value became infinite); "
    "use smaller inputs or weights, or a lower learning rate"
)


def matrix(values: list, name: str, columns: int | None = None) -> np.ndarray:
    """A rectangular float64 matrix from nested lists, or a 422 naming ``name``."""
    if not values:
        raise InvalidInput(f"{name} needs at least one row")
    width = len(values[0])
    for r, row in enumerate(values):
        if len(row) != width:
            raise InvalidInput(f"{name}: row {r} has {len(row)} values, row 0 has {width}")
    if columns is not None and width != columns:
        raise InvalidInput(f"{name} must have {columns} columns (one per neuron), got {width}")
    if width == 0:
        raise InvalidInput(f"{name} rows must not be empty")
    return np.array(values, dtype=np.float64)


def array(x: np.ndarray) -> list:
    x = np.asarray(x, dtype=np.float64)
    if not np.logical_and.reduce(np.isfinite(x), axis=None):  # = .all(), without its wrapper
        raise InvalidInput(OVERFLOW, "non_finite")
    return x.tolist()


def indices(x: np.ndarray) -> list[int]:
    """Dataset row numbers."""
    return np.asarray(x, dtype=np.int64).tolist()


def rows(x: np.ndarray | None, n: int) -> list:
    """The first ``n`` samples of a batch-first array."""
    assert x is not None, "a traced phase keeps every per-sample array"
    return array(x[:n])


def number(x: float) -> float:
    x = float(x)
    if not math.isfinite(x):
        raise InvalidInput(OVERFLOW, "non_finite")
    return x


def optional_number(x: float | None) -> float | None:
    return None if x is None else number(x)


def history_entry(entry: dict) -> dict:
    return {
        "epoch": int(entry["epoch"]),
        "train_loss": optional_number(entry["train_loss"]),
        "val_loss": optional_number(entry["val_loss"]),
        "train_accuracy": optional_number(entry["train_accuracy"]),
        "val_accuracy": optional_number(entry["val_accuracy"]),
        "grad_norms": [number(g) for g in entry["grad_norms"]],
    }


def parameters(net: Network) -> dict:
    return {
        "weights": [array(layer.W) for layer in net.layers],
        "biases": [array(layer.b) for layer in net.layers],
    }


def forward_out(net: Network, fwd: ForwardTrace, indices: list[int] | None, n: int) -> ForwardOut:
    return ForwardOut(
        inputs=rows(fwd.inputs, n),
        indices=None if indices is None else indices[:n],
        layers=[
            ForwardLayer(
                index=traced.index,
                activation=layer.activation,
                W=array(layer.W),
                b=array(layer.b),
                z=rows(traced.z, n),
                a=rows(traced.a, n),
            )
            for layer, traced in zip(net.layers, fwd.layers, strict=True)
        ],
        output=rows(fwd.output, n),
        trace_samples=min(len(fwd.inputs), n),
        batch_size=len(fwd.inputs),
    )


def loss_out(lss: LossTrace, n: int) -> LossOut:
    return LossOut(
        loss=number(lss.loss),
        data_loss=number(lss.data_loss),
        penalty=number(lss.penalty),
        per_sample=rows(lss.per_sample, n),
        targets=rows(lss.targets, n),
        output=rows(lss.output, n),
        dL_da=rows(lss.dL_da, n),
        trace_samples=min(len(lss.targets), n),
        batch_size=len(lss.targets),
    )


def backward_out(back: BackwardTrace, n: int) -> BackwardOut:
    health = back.health
    for entry in health["layers"]:
        entry["grad_norm"] = number(entry["grad_norm"])
        entry["ratio_to_output"] = optional_number(entry["ratio_to_output"])
    batch = len(back.layers[-1].dL_dz)
    return BackwardOut(
        layers=[
            BackwardLayer(
                index=g.index,
                dL_da=rows(g.dL_da, n),
                da_dz=None if g.da_dz is None else rows(g.da_dz, n),
                dL_dz=rows(g.dL_dz, n),
                dL_dz_rule=g.dL_dz_rule,
                dL_dW=array(g.dL_dW),
                dL_db=array(g.dL_db),
                grad_norm=number(g.grad_norm),
            )
            for g in back.layers
        ],
        health=Health.model_validate(health),
        trace_samples=min(batch, n),
        batch_size=batch,
    )


def update_out(trace: UpdateTrace, epoch: int, step: int, summary: dict | None) -> UpdateOut:
    return UpdateOut(
        learning_rate=trace.learning_rate,
        optimizer=trace.optimizer,
        layers=[
            UpdateLayer(
                index=u.index,
                W_old=array(u.W_old),
                dL_dW=array(u.dL_dW),
                step_W=array(u.step_W),
                W_new=array(u.W_new),
                b_old=array(u.b_old),
                dL_db=array(u.dL_db),
                step_b=array(u.step_b),
                b_new=array(u.b_new),
            )
            for u in trace.layers
        ],
        loss_after=optional_number(trace.loss_after),
        epoch=epoch,
        step=step,
        epoch_completed=summary is not None,
        epoch_summary=None if summary is None else HistoryEntry.model_validate(history_entry(summary)),
    )
