"""The four phases of a step, one route each, and the whole step at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from ..deps import ServiceDep
from ..schemas import (
    ERROR_RESPONSES,
    BackwardOut,
    EmptyIn,
    ForwardIn,
    ForwardOut,
    LossIn,
    LossOut,
    StepIn,
    StepOut,
    UpdateOut,
)

router = APIRouter(prefix="/api/networks/{network_id}", tags=["phases"], responses=ERROR_RESPONSES)


@router.post("/forward", response_model=ForwardOut)
def forward(
    network_id: str, service: ServiceDep, body: Annotated[ForwardIn | None, Body()] = None
) -> ForwardOut:
    """`{}`: the next batch at the data cursor; `inputs`: explicit rows; `indices`: dataset rows."""
    return service.forward(network_id, body or ForwardIn())


@router.post("/loss", response_model=LossOut)
def loss(network_id: str, service: ServiceDep, body: Annotated[LossIn | None, Body()] = None) -> LossOut:
    """Needs forward first; `targets` are required after forward with explicit inputs."""
    return service.loss(network_id, body or LossIn())


@router.post("/backward", response_model=BackwardOut)
def backward(
    network_id: str, service: ServiceDep, body: Annotated[EmptyIn | None, Body()] = None
) -> BackwardOut:
    """Needs loss first."""
    return service.backward(network_id)


@router.post("/update", response_model=UpdateOut)
def update(network_id: str, service: ServiceDep, body: Annotated[EmptyIn | None, Body()] = None) -> UpdateOut:
    """Needs backward first; applies the optimizer step and advances the data cursor."""
    return service.update(network_id)


@router.post("/step", response_model=StepOut)
def step(network_id: str, service: ServiceDep, body: Annotated[StepIn | None, Body()] = None) -> StepOut:
    """Forward, loss, backward and update at once."""
    return service.step(network_id, body or StepIn())
