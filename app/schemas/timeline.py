"""The timeline routes: the kept snapshots, a preview of one, a rewind to one."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import Response
from .networks import NetworkPublic
from .training import SnapshotRef


class SnapshotSettings(Response):
    learning_rate: float
    optimizer: dict[str, Any] = Field(description='as in the spec: {"name": "sgd"} and its betas')
    regularization: dict[str, Any] = Field(description='{"kind", "rate"}')
    batch_size: int
    loss: str
    activations: list[str]


class SnapshotOut(Response):
    epoch: int = Field(description="epochs completed at this point")
    step: int = Field(description="updates applied at this point")
    kind: Literal["epoch", "step"] = Field(description="taken after an epoch closed, or after one update")
    train_loss: float | None = Field(
        description="epoch snapshots: the epoch's training loss; step snapshots: the update's batch "
        "loss; null for a network's first state"
    )
    cursor: int = Field(
        description="training samples of the epoch in progress consumed at this point: 0 at an "
        "epoch's end, and after updates on chosen rows only (they leave the cursor where it was)"
    )
    epoch_end_step: int | None = Field(
        description="updates applied when the last epoch before this point closed (0 before any); "
        "null when not known (a snapshot stored before the server counted it)"
    )
    settings: SnapshotSettings = Field(
        description="the hyperparameters in force when this state was made: those the epoch or the "
        "update that produced it ran with (a PATCH between two runs shows up here)"
    )


class SnapshotsOut(Response):
    snapshots: list[SnapshotOut]


class RewindIn(SnapshotRef):
    """Rewind to the state after update ``step`` or after epoch ``epoch``."""


class Drops(Response):
    updates: int = Field(description="updates applied after the snapshot (their losses and snapshots go)")
    epochs: int = Field(description="epochs closed after the snapshot (their history entries go)")


class SnapshotPreview(Response):
    snapshot: SnapshotOut
    network: NetworkPublic = Field(
        description="the network at that point: what a rewind to it would answer (nothing is rewound)"
    )
    drops: Drops = Field(description="what a rewind to this snapshot would drop")
