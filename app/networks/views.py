"""The public view of a network (``NetworkPublic``) and of a stored row (``NetworkSummary``)."""

from __future__ import annotations

from .. import serialize
from ..datasets import Datasets
from .codec import Session

SPEC_FIELDS = (
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


def cursor(session: Session) -> dict:
    t = session.trainer
    if t is None:
        return {
            "position": 0,
            "batch_index": 0,
            "batches_per_epoch": 0,
            "batch_size": session.spec["batch_size"],
            "n_train": 0,
            "n_validation": 0,
            "next_indices": [],
        }
    return {
        "position": t.cursor,
        "batch_index": t.cursor // t.batch_size,
        "batches_per_epoch": t.batches_per_epoch,
        "batch_size": t.batch_size,
        "n_train": t.n_train,
        "n_validation": len(t.val_idx),
        "next_indices": serialize.indices(t.next_batch()),
    }


def public(session: Session) -> dict:
    spec, ds = session.spec, session.dataset
    return {
        **{k: spec[k] for k in SPEC_FIELDS},
        "features": spec.get("features"),
        "id": session.doc["id"],
        "parameters": serialize.parameters(session.net),
        "phase": session.phase,
        "epoch": session.epoch,
        "step": session.step,
        "task": ds.task if ds else None,
        "feature_names": ds.feature_names if ds else [f"X{i + 1}" for i in range(spec["layers"][0])],
        "target_names": ds.target_names if ds else [f"y{k + 1}" for k in range(spec["layers"][-1])],
        **Datasets.units(ds),
        "n_parameters": session.net.n_parameters,
        "cursor": cursor(session),
    }
