"""Analysis of the network as it is: the loss landscape, each sample's share of a gradient."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/networks/{network_id}", tags=["analysis"])
