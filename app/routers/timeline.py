"""The timeline (SPEC §8.3): list a network's snapshots, rewind it to one of them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field, model_validator

from ..deps import ServiceDep
from ..networks import timeline
from ..schemas import ERROR_RESPONSES, MAX_INT, NetworkPublic, Request, Response

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


class RewindIn(Request):
    step: int | None = Field(None, ge=0, le=MAX_INT, description="rewind to the state after this update")
    epoch: int | None = Field(None, ge=0, le=MAX_INT, description="rewind to the state after this epoch")

    @model_validator(mode="after")
    def one_point(self) -> RewindIn:
        if (self.step is None) == (self.epoch is None):
            raise ValueError('give exactly one of "step" or "epoch"')
        return self


@router.get("/snapshots", response_model=SnapshotsOut)
def list_snapshots(network_id: str, service: ServiceDep) -> dict:
    """Every kept snapshot, oldest first: one after each epoch and after each of the last
    `limits.max_step_snapshots` updates (within `limits.max_snapshot_bytes` per network)."""
    return timeline.listing(service, network_id)


@router.post("/rewind", response_model=NetworkPublic)
def rewind(network_id: str, body: RewindIn, service: ServiceDep) -> dict:
    """Restore the snapshot after update `step` or after epoch `epoch` exactly (parameters,
    optimizer state, data cursor, counters, hyperparameters) and drop the epochs, update losses
    and snapshots after it. 404 lists the snapshots that exist."""
    return timeline.rewind(service, network_id, step=body.step, epoch=body.epoch)
