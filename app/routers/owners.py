"""Owners: who you are and what you keep; naming a network; its share key."""

from __future__ import annotations

from fastapi import APIRouter

from .. import owners
from ..deps import ServiceDep
from ..errors import InvalidInput, NotFound
from ..schemas import ERROR_RESPONSES
from ..schemas.owners import NameIn, NameOut, OwnerOut, ShareOut

router = APIRouter(prefix="/api", tags=["owners"], responses=ERROR_RESPONSES)


@router.get("/owner", response_model=OwnerOut)
def who_am_i(service: ServiceDep) -> dict:
    """Your owner id, what you keep and your quotas (see the classroom guide)."""
    me, limits = owners.current(), service.limits
    return {
        "owner": me.owner,
        "teacher": me.teacher,
        "usage": service.store.usage(me.listing_owner),
        "quotas": None
        if me.teacher
        else {
            "networks": limits.max_owner_networks,
            "datasets": limits.max_owner_datasets,
            "bytes": limits.max_owner_bytes,
            "expire_idle_seconds": limits.expire_idle_seconds,
        },
    }


@router.put("/networks/{network_id}/name", response_model=NameOut)
def rename(network_id: str, body: NameIn, service: ServiceDep) -> dict:
    """Name the network (its list shows the name); a named network is kept like any changed one."""
    name = (body.name or "").strip() or None
    if name is not None and len(name) > service.limits.max_name_length:
        raise InvalidInput(
            f"the name has {len(name)} characters, over max_name_length={service.limits.max_name_length}"
        )
    if not service.store.rename(network_id, name):
        raise NotFound(f"no network with id {network_id!r}")
    return {"id": network_id, "name": name}


@router.get("/networks/{network_id}/share", response_model=ShareOut)
def share(network_id: str, service: ServiceDep) -> dict:
    """The key that lets another owner view the network (`X-Share-Key`, or `share=` in the page's
    link): every read and analysis, never a change."""
    if service.store.owner_of(network_id) is None:
        raise NotFound(f"no network with id {network_id!r}")
    key = owners.share_key(service.store.secret(), network_id)
    return {"share": key, "link": f"/#net={network_id}&share={key}"}
