"""Property-based fuzzing of every operation from the app's own OpenAPI: never a 5xx.

Path ids are pointed at a real network (recreated when a case deletes it), so generated
bodies reach the phases, training and data code, not only the 404 path.
"""

from __future__ import annotations

import pytest
import schemathesis
from backprop_explorer.app.config import Limits, Settings
from backprop_explorer.app.main import create_app
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.openapi import from_asgi

from .conftest import MOONS

# Minutes of generated requests (its cases are built while pytest collects): `make test-fast`
# leaves it out, `make test` runs it.
pytestmark = pytest.mark.slow
LIMITS = Limits(max_epochs=200, max_samples=1000, max_grid_resolution=30, max_trace_samples=8)


def make_app():
    import tempfile
    from pathlib import Path

    return create_app(Settings(Path(tempfile.mkdtemp()) / "fuzz.db", LIMITS))


app = make_app()
client = TestClient(app)
schema = from_asgi("/openapi.json", app)
SPEC = {**MOONS, "data": {"generator": "moons", "n": 40, "noise": 0.1, "seed": 3}}
state: dict[str, str] = {}


def network_id(case) -> str:
    """A live network: a throwaway one for DELETE, else a shared one (recreated if gone)."""
    if case.operation.method.upper() == "DELETE":
        return client.post("/api/networks", json=SPEC).json()["id"]
    nid = state.get("id")
    if nid is None or client.get(f"/api/networks/{nid}").status_code == 404:
        nid = state["id"] = client.post("/api/networks", json=SPEC).json()["id"]
    return nid


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: schemathesis.Case) -> None:
    if case.path_parameters and "network_id" in case.path_parameters:
        case.path_parameters["network_id"] = network_id(case)
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.path}: {response.status_code} {response.text[:500]}"
    )
    if response.status_code >= 400:
        assert isinstance(response.json()["detail"], str)
