"""The computational graph of one sample: each scalar of its forward pass with its gradient."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body

from ..deps import ServiceDep
from ..schemas import ERROR_RESPONSES
from ..schemas.graph import GraphIn, GraphOut
from . import resource_router

router = resource_router(prefix="/api/networks/{network_id}", tags=["analysis"], responses=ERROR_RESPONSES)


@router.post("/graph", response_model=GraphOut)
def graph(network_id: str, service: ServiceDep, body: Annotated[GraphIn | None, Body()] = None) -> dict:
    """The expression graph of one sample of the step in progress — inputs, each w·a, the sums
    with the bias, the activations, the loss — with each node's value and ∂L/∂node, read from
    the step's traces: values after forward, gradients after backward. Whole (small networks)
    or focused on one neuron and its path to the loss. No body: row 0, the whole network.
    Reads the network; saves nothing."""
    return service.graph(network_id, body or GraphIn())
