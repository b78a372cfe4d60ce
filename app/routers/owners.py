"""Owners: who you are and what you keep; naming a network; its share key."""

from __future__ import annotations

from ..deps import ServiceDep
from ..schemas import ERROR_RESPONSES
from ..schemas.owners import NameIn, NameOut, OwnerOut, ShareOut
from . import resource_router

router = resource_router(prefix="/api", tags=["owners"], responses=ERROR_RESPONSES)


@router.get("/owner", response_model=OwnerOut)
def who_am_i(service: ServiceDep) -> dict:
    """Your owner id, what you keep and your quotas (the teacher: what the whole store keeps)."""
    return service.whoami()


@router.put("/networks/{network_id}/name", response_model=NameOut)
def rename(network_id: str, body: NameIn, service: ServiceDep) -> dict:
    """Name the network (your list of networks shows it); a named network is kept like a changed one."""
    return service.rename(network_id, body.name)


@router.get("/networks/{network_id}/share", response_model=ShareOut)
def share(network_id: str, service: ServiceDep) -> dict:
    """The key that lets another owner view the network (`X-Share-Key`, or `share=` in the page's
    link): every read and analysis, never a change."""
    return service.share(network_id)
