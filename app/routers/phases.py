"""The four phases of a step, one route each, and the whole step at once.

The routes are ``async`` and run the service in the thread pool themselves: for a plain
``def`` route FastAPI makes a second trip through the pool just to check the returned model,
which is as costly as a small step's own work. The answer is the same.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Body
from starlette.concurrency import run_in_threadpool

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
from . import resource_router

router = resource_router(prefix="/api/networks/{network_id}", tags=["phases"], responses=ERROR_RESPONSES)


@router.post("/forward", response_model=ForwardOut)
async def forward(
    network_id: str, service: ServiceDep, body: Annotated[ForwardIn | None, Body()] = None
) -> ForwardOut:
    """`{}`: the next batch at the data cursor; `inputs`: explicit rows; `indices`: dataset rows."""
    return await run_in_threadpool(service.forward, network_id, body or ForwardIn())


@router.post("/loss", response_model=LossOut)
async def loss(
    network_id: str, service: ServiceDep, body: Annotated[LossIn | None, Body()] = None
) -> LossOut:
    """Needs forward first; `targets` are required after forward with explicit inputs."""
    return await run_in_threadpool(service.loss, network_id, body or LossIn())


@router.post("/backward", response_model=BackwardOut)
async def backward(
    network_id: str, service: ServiceDep, body: Annotated[EmptyIn | None, Body()] = None
) -> BackwardOut:
    """Needs loss first."""
    return await run_in_threadpool(service.backward, network_id)


@router.post("/update", response_model=UpdateOut)
async def update(
    network_id: str, service: ServiceDep, body: Annotated[EmptyIn | None, Body()] = None
) -> UpdateOut:
    """Needs backward first; applies the optimizer step and advances the data cursor."""
    return await run_in_threadpool(service.update, network_id)


@router.post("/step", response_model=StepOut)
async def step(
    network_id: str, service: ServiceDep, body: Annotated[StepIn | None, Body()] = None
) -> StepOut:
    """Forward, loss, backward and update at once."""
    return await run_in_threadpool(service.step, network_id, body or StepIn())
