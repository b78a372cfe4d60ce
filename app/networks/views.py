"""The public view of a network: its ``NetworkPublic`` model, built from an open session."""

from __future__ import annotations

from .. import serialize
from ..datasets import Datasets
from ..schemas import Cursor, NetworkPublic, Parameters
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


def cursor(session: Session) -> Cursor:
    t = session.trainer
    if t is None:
        return Cursor(
            position=0,
            batch_index=0,
            batches_per_epoch=0,
            batch_size=session.spec["batch_size"],
            n_train=0,
            n_validation=0,
            next_indices=[],
        )
    return Cursor(
        position=t.cursor,
        batch_index=t.cursor // t.batch_size,
        batches_per_epoch=t.batches_per_epoch,
        batch_size=t.batch_size,
        n_train=t.n_train,
        n_validation=len(t.val_idx),
        next_indices=serialize.indices(t.next_batch()),
    )


def network_public(session: Session) -> NetworkPublic:
    """The network as every route that answers with it shows it."""
    spec, ds = session.spec, session.dataset
    return NetworkPublic.model_validate(
        {
            **{k: spec[k] for k in SPEC_FIELDS},
            "features": spec.get("features"),
            "id": session.doc["id"],
            "parameters": Parameters.model_validate(serialize.parameters(session.net)),
            "phase": session.phase,
            "epoch": session.epoch,
            "step": session.step,
            "epoch_end_step": session.epoch_end_step,
            "task": ds.task if ds else None,
            "feature_names": ds.feature_names if ds else [f"X{i + 1}" for i in range(spec["layers"][0])],
            "target_names": ds.target_names if ds else [f"y{k + 1}" for k in range(spec["layers"][-1])],
            **Datasets.units(ds),
            "n_parameters": session.net.n_parameters,
            "cursor": cursor(session),
        }
    )


def public(session: Session) -> dict:
    """:func:`network_public` as JSON-ready values, for callers that keep a plain dict."""
    return network_public(session).model_dump(mode="json")
