"""Health and the catalog of names, formulas and limits."""

from __future__ import annotations

from .. import __version__
from ..catalog import catalog as build_catalog
from ..deps import ServiceDep
from ..schemas import ERROR_RESPONSES, Catalog, HealthStatus
from . import resource_router

router = resource_router(prefix="/api", tags=["meta"], responses=ERROR_RESPONSES)


@router.get("/health", response_model=HealthStatus)
async def health() -> dict:
    # async: answered in the event loop, so no queue of work in the thread pool delays it.
    return {"status": "ok", "version": __version__}


@router.get("/catalog", response_model=Catalog)
def catalog(service: ServiceDep) -> dict:
    return build_catalog(service.limits)
