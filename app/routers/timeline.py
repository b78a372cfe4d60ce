"""The timeline: list a network's snapshots, preview one, rewind it to one of them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path

from ..deps import ServiceDep
from ..schemas import ERROR_RESPONSES, MAX_INT, NetworkPublic, RewindIn, SnapshotPreview, SnapshotsOut
from . import resource_router

router = resource_router(prefix="/api/networks/{network_id}", tags=["timeline"], responses=ERROR_RESPONSES)


@router.get("/snapshots", response_model=SnapshotsOut)
def list_snapshots(network_id: str, service: ServiceDep) -> dict:
    """Every kept snapshot, oldest first: one after each epoch and after each of the last
    `limits.max_step_snapshots` updates (within `limits.max_snapshot_bytes` per network)."""
    return service.snapshots(network_id)


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
    return service.preview(network_id, kind, number)


@router.post("/rewind", response_model=NetworkPublic)
def rewind(network_id: str, body: RewindIn, service: ServiceDep) -> dict:
    """Restore the snapshot after update `step` or after epoch `epoch` exactly (parameters,
    optimizer state, data cursor, counters, hyperparameters) and drop the epochs, update losses
    and snapshots after it. 404 lists the snapshots that exist."""
    return service.rewind(network_id, step=body.step, epoch=body.epoch)
