"""The timeline: list a network's snapshots, rewind it to one of them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import Field

from ..deps import ServiceDep
from ..networks import timeline
from ..schemas import ERROR_RESPONSES, MAX_INT, NetworkPublic, Response, SnapshotRef

router = APIRouter(prefix="/api/networks/{network_id}", tags=["timeline"], responses=ERROR_RESPONSES)


class SnapshotOut(Response):
    epoch: int = Field(description="epochs completed at this point")
    step: int = Field(description="updates applied at this point")
    kind: Literal["epoch", "step"] = Field(description="taken after an epoch closed, or after one update")
    train_loss: float | None = Field(
        description="epoch snapshots: the epoch's training loss; step snapshots: the update's batch "
        "loss; null for a network's first state"
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


@router.get("/snapshots", response_model=SnapshotsOut)
def list_snapshots(network_id: str, service: ServiceDep) -> dict:
    """Every kept snapshot, oldest first: one after each epoch and after each of the last
    `limits.max_step_snapshots` updates (within `limits.max_snapshot_bytes` per network)."""
    return timeline.listing(service, network_id)


@router.get("/snapshots/{kind}/{number}", response_model=SnapshotPreview)
def preview_snapshot(
    network_id: str,
    kind: Literal["step", "epoch"],
    number: Annotated[int, Path(ge=0, le=MAX_INT)],
    service: ServiceDep,
) -> dict:
    """Preview a kept snapshot without rewinding: `step/S` is the state after update S,
    `epoch/E` the state after epoch E. The answer holds the network as it was then (weights,
    biases, counters, hyperparameters: what `POST .../rewind` would answer) and how many updates
    and epochs a rewind to it would drop. Its decision boundary: `POST .../predict` with
    `"snapshot": {"step": S}` or `{"epoch": E}`. 404 lists the snapshots that exist."""
    return timeline.preview(service, network_id, kind, number)


@router.post("/rewind", response_model=NetworkPublic)
def rewind(network_id: str, body: RewindIn, service: ServiceDep) -> dict:
    """Restore the snapshot after update `step` or after epoch `epoch` exactly (parameters,
    optimizer state, data cursor, counters, hyperparameters) and drop the epochs, update losses
    and snapshots after it. 404 lists the snapshots that exist."""
    return timeline.rewind(service, network_id, step=body.step, epoch=body.epoch)
