"""Networks as a resource: create, list, read, change, delete, parameters, reset, export/import."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Query, Response, status

from .. import owners
from ..deps import ServiceDep
from ..schemas import (
    ERROR_RESPONSES,
    MAX_INT,
    EmptyIn,
    ExportDocument,
    ExportOut,
    HistoryOut,
    NetworkDataOut,
    NetworkList,
    NetworkPatch,
    NetworkPublic,
    NetworkSpec,
    ParametersIn,
)
from . import resource_router

router = resource_router(prefix="/api/networks", tags=["networks"], responses=ERROR_RESPONSES)


@router.post("", response_model=NetworkPublic, status_code=status.HTTP_201_CREATED)
def create_network(
    spec: NetworkSpec,
    service: ServiceDep,
    scratch: Annotated[
        bool,
        Query(description="built by a page for a look: kept only while among your newest few unchanged ones"),
    ] = False,
) -> NetworkPublic:
    return service.create(spec, scratch=scratch)


@router.get("", response_model=NetworkList)
def list_networks(
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="networks per page")] = 100,
    offset: Annotated[int, Query(ge=0, le=2**53, description="networks to skip, oldest first")] = 0,
) -> NetworkList:
    """A page of your networks (the teacher: everyone's), oldest first, read from the store's
    summary columns, with `total`, `limit` and `offset`."""
    return service.page(limit, offset, owners.current().listing_owner)


@router.post("/import", response_model=NetworkPublic, status_code=status.HTTP_201_CREATED)
def import_network(document: ExportDocument, service: ServiceDep) -> NetworkPublic:
    """A document from `GET /api/networks/{id}/export`; the copy gets a new id."""
    return service.import_(document)


@router.get("/{network_id}", response_model=NetworkPublic)
def get_network(network_id: str, service: ServiceDep) -> NetworkPublic:
    return service.get(network_id)


@router.patch("/{network_id}", response_model=NetworkPublic)
def patch_network(network_id: str, body: NetworkPatch, service: ServiceDep) -> NetworkPublic:
    """Change hyperparameters; the step in progress is discarded (phase becomes ready)."""
    return service.patch(network_id, body)


@router.delete("/{network_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_network(network_id: str, service: ServiceDep) -> Response:
    service.delete(network_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{network_id}/parameters", response_model=NetworkPublic)
def put_parameters(network_id: str, body: ParametersIn, service: ServiceDep) -> NetworkPublic:
    """Set `weights` and/or `biases` of every layer; the step in progress is discarded."""
    return service.put_parameters(network_id, body)


@router.post("/{network_id}/reset", response_model=NetworkPublic)
def reset_network(
    network_id: str, service: ServiceDep, body: Annotated[EmptyIn | None, Body()] = None
) -> NetworkPublic:
    """Re-initialize from the spec (explicit weights or the seeded initializer); clear history."""
    return service.reset(network_id)


@router.get("/{network_id}/history", response_model=HistoryOut)
def get_history(
    network_id: str,
    service: ServiceDep,
    since_step: Annotated[
        int | None,
        Query(ge=0, le=MAX_INT, description="only return `steps` entries with `step` greater than this"),
    ] = None,
) -> dict:
    """Per-epoch metrics (`history`, always complete) and the loss of each update (`steps`, the
    last `limits.max_step_losses` of them). A client that already holds the steps up to N asks
    with `since_step=N` and appends what comes back, instead of downloading every step again."""
    return service.history(network_id, since_step=since_step)


@router.get("/{network_id}/data", response_model=NetworkDataOut)
def get_data(network_id: str, service: ServiceDep) -> dict:
    return service.data(network_id)


@router.get("/{network_id}/export", response_model=ExportOut)
def export_network(network_id: str, service: ServiceDep) -> dict:
    return service.export(network_id)
