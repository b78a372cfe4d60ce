"""Analysis of the network as it is: the loss landscape, each sample's share of a gradient.

Both read the network (nothing is saved): the landscape on the training split or on the
batch of the step in progress, the shares on the step in progress after its backward pass.
"""

from __future__ import annotations

from ..deps import ServiceDep
from ..schemas import ERROR_RESPONSES, LandscapeIn, LandscapeOut, SharesIn, SharesOut
from . import resource_router

router = resource_router(prefix="/api/networks/{network_id}", tags=["analysis"], responses=ERROR_RESPONSES)


@router.post("/landscape", response_model=LandscapeOut)
def landscape(network_id: str, body: LandscapeIn, service: ServiceDep) -> dict:
    """The loss (data loss + penalty) over one or two parameters around their current values,
    every other parameter held fixed; the gradient at the current point is the curve's slope."""
    return service.landscape(network_id, body)


@router.post("/gradient-shares", response_model=SharesOut)
def gradient_shares(network_id: str, body: SharesIn, service: ServiceDep) -> dict:
    """Each sample's term δ_s·a_prev,s of ∂L/∂w (or δ_s of ∂L/∂b) for the step in progress,
    after its backward pass: the terms plus the penalty's gradient sum to the batch's ∂L/∂p."""
    return service.gradient_shares(network_id, body)
