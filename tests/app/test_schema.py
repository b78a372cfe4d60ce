"""The OpenAPI schema is true: schemathesis generates requests for every operation and
checks each answer's status code, content type and body against the documented responses.

Path ids point at a real network so bodies reach the phases, training and data code.
Strict types are checked by hand below: lax coercion would accept "5" for 5.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from backprop_explorer.app.config import Limits, Settings
from backprop_explorer.app.main import create_app
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.openapi import from_asgi

from .conftest import MOONS, create

# Minutes of generated requests (its cases are built while pytest collects): `make test-fast`
# leaves it out, `make test` runs it.
pytestmark = pytest.mark.slow
LIMITS = Limits(max_epochs=20, max_samples=200, max_grid_resolution=12, max_trace_samples=4)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

app = create_app(Settings(Path(tempfile.mkdtemp()) / "schema.db", LIMITS))
client = TestClient(app)
schema = from_asgi("/openapi.json", app)
state: dict[str, str] = {}


def network_id(case: schemathesis.Case) -> str:
    """A live network: a throwaway one for DELETE, else a shared one (recreated if gone)."""
    if case.operation.method.upper() == "DELETE":
        return client.post("/api/networks", json=MOONS).json()["id"]
    nid = state.get("id")
    if nid is None or client.get(f"/api/networks/{nid}").status_code == 404:
        nid = state["id"] = client.post("/api/networks", json=MOONS).json()["id"]
    return nid


@schema.include(path_regex="^/api/(networks|health|catalog)").parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_answers_conform_to_the_schema(case: schemathesis.Case) -> None:
    if case.path_parameters and "network_id" in case.path_parameters:
        case.path_parameters["network_id"] = network_id(case)
    case.call_and_validate(checks=CHECKS)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/train", {"epochs": "5"}),
        ("/train", {"epochs": True}),
        ("/train", {"epochs": 2**53 + 1}),
        ("/predict", {"inputs": [["1", 2]]}),
        ("/predict", {"inputs": [[False, 2]]}),
        ("/forward", {"indices": ["0"]}),
        ("/step", {"inputs": [[0.1, "0.2"]], "targets": [[1]]}),
    ],
)
def test_lax_coercion_is_refused(path: str, body: dict) -> None:
    nid = network_id_for_tests()
    response = client.post(f"/api/networks/{nid}{path}", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


def network_id_for_tests() -> str:
    return create(client, MOONS)["id"]


@pytest.mark.parametrize(
    "spec",
    [
        {"seed": False},
        {"layers": [True, 1]},
        {"layers": ["2", 1]},
        {"batch_size": 1.5},
        {"learning_rate": "0.1"},
    ],
)
def test_specs_need_true_types(spec: dict) -> None:
    response = client.post("/api/networks", json={"layers": [2, 1], **spec})
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("part", "key"),
    [("trainer", "step"), ("trainer", "epoch"), ("trainer", "norm_count"), ("optimizer_state", "t")],
)
def test_imported_integers_beyond_2_53_are_refused(part: str, key: str) -> None:
    nid = network_id_for_tests()
    document = client.get(f"/api/networks/{nid}/export").json()
    document[part][key] = 2**63
    response = client.post("/api/networks/import", json=document)
    assert response.status_code == 422 and f"{part}.{key}" in response.json()["detail"]
    huge_epoch = {**document, "history": [{**HISTORY_ENTRY, "epoch": 2**63}]}
    response = client.post("/api/networks/import", json=huge_epoch)
    assert response.status_code == 422 and "history" in response.json()["detail"]


HISTORY_ENTRY = {
    "epoch": 1,
    "train_loss": 0.5,
    "val_loss": None,
    "train_accuracy": None,
    "val_accuracy": None,
    "grad_norms": [0.1, 0.1],
}


def test_a_large_but_allowed_step_count_keeps_working() -> None:
    # Imported counters go up to 2^52, so that no later answer passes 2^53 (an import at 2^53
    # made the next answer 2^53 + 1, which a JSON number no longer holds exactly).
    nid = network_id_for_tests()
    document = client.get(f"/api/networks/{nid}/export").json()
    document["trainer"]["step"] = 2**53
    assert client.post("/api/networks/import", json=document).status_code == 422
    document["trainer"]["step"] = 2**52
    response = client.post("/api/networks/import", json=document)
    assert response.status_code == 201
    copy = response.json()["id"]
    response = client.post(f"/api/networks/{copy}/step", json={})
    assert response.status_code == 200 and response.json()["update"]["step"] == 2**52 + 1
    assert client.get(f"/api/networks/{copy}/history").json()["steps"][-1]["step"] == 2**52 + 1
