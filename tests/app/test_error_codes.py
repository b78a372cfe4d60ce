"""Every refusal carries a ``code`` beside its ``detail``: each situation its own code, sent by
the real app for a real request; every code in the OpenAPI document's error schema and in
docs/api.md's table, with the status it comes with."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import get_args

import httpx
import numpy as np
import pytest
from backprop_explorer.app.config import Access, Limits, Settings
from backprop_explorer.app.main import create_app
from backprop_explorer.app.schemas.errors import STATUS_CODES, ErrorCode
from backprop_explorer.app.store import NetworkBusy
from fastapi import HTTPException
from fastapi.testclient import TestClient

from tests.conftest import ROOT, Database

from .conftest import MAZUR, MOONS, query
from .lesson_sample import broken

CODES = set(get_args(ErrorCode))
ALICE = {"X-Owner-Key": "alice-0123456789abcdef"}
BOB = {"X-Owner-Key": "bob-0123456789abcdef00"}
TOKEN = "class-token-123"
CSV = b"x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"
# Every weight within ±1e9, and yet the next step's gradients overflow (tests/app/test_networks.py).
DEEP_LINEAR = {
    "layers": [2, 100, 100, 100, 100, 100, 100, 100, 100, 100, 1],
    "activations": ["linear"] * 10,
    "loss": "mse",
    "data": {"inputs": [[1.0, 1.0]], "targets": [[0.0]]},
}


class Apps:
    """In-process apps on new databases of the test's backend, with the settings a case needs."""

    def __init__(self, new_database: Callable[[], Database], tmp_path: Path) -> None:
        self.new_database, self.tmp_path = new_database, tmp_path
        self.clients: list[TestClient] = []
        self.database: Database | None = None  # the last app's

    def __call__(self, access: Access | None = None, lessons: str | None = None, **limits: int) -> TestClient:
        lessons_dir = None
        if lessons is not None:
            lessons_dir = self.tmp_path / "lessons"
            lessons_dir.mkdir()
            (lessons_dir / "my-neuron.md").write_text(lessons)
        self.database = self.new_database()
        settings = Settings(self.database, Limits(**limits), access or Access(), lessons_dir)
        client = TestClient(create_app(settings))
        self.clients.append(client)
        return client


@pytest.fixture
def apps(new_database: Callable[[], Database], tmp_path: Path) -> Iterator[Apps]:
    made = Apps(new_database, tmp_path)
    yield made
    for client in made.clients:
        client.close()
        client.app.state.service.store.close()  # type: ignore[attr-defined]


def created(client: TestClient, spec: dict = MOONS, headers: dict | None = None) -> str:
    response = client.post("/api/networks", json=spec, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def uploaded(client: TestClient) -> str:
    response = client.post("/api/datasets", files={"file": ("xor.csv", io.BytesIO(CSV))})
    assert response.status_code == 201, response.text
    return response.json()["dataset_id"]


def post_raw(client: TestClient, path: str, body: bytes) -> httpx.Response:
    return client.post(path, content=body, headers={"content-type": "application/json"})


Case = Callable[[Apps], httpx.Response]
CASES: dict[str, tuple[ErrorCode, int, Case]] = {}


def case(name: str, code: ErrorCode, status: int) -> Callable[[Case], Case]:
    def register(make: Case) -> Case:
        CASES[name] = (code, status, make)
        return make

    return register


# --- who may ask ---------------------------------------------------------------------------


@case("token_required", "token_required", 401)
def _(apps: Apps) -> httpx.Response:
    return apps(Access(token=TOKEN)).get("/api/networks")


@case("wrong_token", "wrong_token", 401)
def _(apps: Apps) -> httpx.Response:
    return apps(Access(token=TOKEN)).get("/api/networks", headers={"Authorization": "Bearer wrong-token-1"})


@case("wrong_token-in-a-page-address", "wrong_token", 401)
def _(apps: Apps) -> httpx.Response:
    return apps(Access(token=TOKEN)).get("/?token=wrong-token-1", follow_redirects=False)


@case("foreign_host", "foreign_host", 403)
def _(apps: Apps) -> httpx.Response:
    return apps().get("/api/networks", headers={"Host": "evil.example"})


@case("cross_site", "cross_site", 403)
def _(apps: Apps) -> httpx.Response:
    return apps().post("/api/networks", json=MOONS, headers={"Sec-Fetch-Site": "cross-site"})


@case("cross_site-origin", "cross_site", 403)
def _(apps: Apps) -> httpx.Response:
    return apps().post("/api/networks", json=MOONS, headers={"Origin": "http://evil.example"})


@case("exposed_without_token", "exposed_without_token", 403)
def _(apps: Apps) -> httpx.Response:
    return apps(Access(host="0.0.0.0")).get("/api/networks")


@case("listing_refused", "listing_refused", 403)
def _(apps: Apps) -> httpx.Response:
    client = apps(Access(host="0.0.0.0", token=TOKEN))
    return client.get("/api/networks", headers={"Authorization": f"Bearer {TOKEN}"})


@case("view_only", "view_only", 403)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    net = created(client, headers=ALICE)
    share = client.get(f"/api/networks/{net}/share", headers=ALICE).json()["share"]
    return client.post(f"/api/networks/{net}/step", json={}, headers={**BOB, "X-Share-Key": share})


# --- what is not there ---------------------------------------------------------------------


@case("not_found", "not_found", 404)
def _(apps: Apps) -> httpx.Response:
    return apps().get("/api/no-such-thing")


@case("network_not_found", "network_not_found", 404)
def _(apps: Apps) -> httpx.Response:
    return apps().post("/api/networks/nosuchnetwork0/step", json={})


@case("network_not_found-another-owners", "network_not_found", 404)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    return client.get(f"/api/networks/{created(client, headers=ALICE)}", headers=BOB)


@case("dataset_not_found", "dataset_not_found", 404)
def _(apps: Apps) -> httpx.Response:
    return apps().get("/api/datasets/nosuchdataset0")


@case("dataset_not_found-in-a-spec", "dataset_not_found", 422)
def _(apps: Apps) -> httpx.Response:
    return apps().post("/api/networks", json={**MOONS, "data": {"dataset_id": "nosuchdataset0"}})


@case("lesson_not_found", "lesson_not_found", 404)
def _(apps: Apps) -> httpx.Response:
    return apps().get("/api/lessons/no-such-lesson")


@case("lesson_step_not_found", "lesson_step_not_found", 404)
def _(apps: Apps) -> httpx.Response:
    return apps().post("/api/lessons/loss/steps/99/render", json={"context": {}})


@case("snapshot_not_kept", "snapshot_not_kept", 404)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    return client.get(f"/api/networks/{created(client)}/snapshots/epoch/7")


@case("snapshot_not_kept-in-a-body", "snapshot_not_kept", 422)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    return client.post(f"/api/networks/{created(client)}/rewind", json={"epoch": 7})


@case("snapshot_not_kept-in-a-prediction", "snapshot_not_kept", 422)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    body = {"grid": {"resolution": 5}, "snapshot": {"step": 7}}
    return client.post(f"/api/networks/{created(client)}/predict", json=body)


# --- the request itself, and the network's state -------------------------------------------


@case("method_not_allowed", "method_not_allowed", 405)
def _(apps: Apps) -> httpx.Response:
    return apps().delete("/api/health")


@case("phase_order", "phase_order", 409)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    return client.post(f"/api/networks/{created(client)}/backward", json={})


@case("dataset_in_use", "dataset_in_use", 409)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    dataset = uploaded(client)
    created(client, {"layers": [2, 2, 1], "data": {"dataset_id": dataset}})
    return client.delete(f"/api/datasets/{dataset}")


# --- over a limit --------------------------------------------------------------------------


@case("too_large", "too_large", 413)
def _(apps: Apps) -> httpx.Response:
    client = apps(max_epochs=5)
    return client.post(f"/api/networks/{created(client)}/train", json={"epochs": 6})


@case("body_too_large", "body_too_large", 413)
def _(apps: Apps) -> httpx.Response:
    return apps(max_body_bytes=2_000).post("/api/networks", json={**MOONS, "name": "x" * 3_000})


@case("memory_budget", "memory_budget", 413)
def _(apps: Apps) -> httpx.Response:
    return apps(max_memory_bytes=1).post("/api/networks", json=MOONS)


@case("quota_exceeded", "quota_exceeded", 413)
def _(apps: Apps) -> httpx.Response:
    client = apps(max_owner_networks=1)
    created(client, headers=ALICE)
    return client.post("/api/networks", json=MOONS, headers=ALICE)


@case("store_full", "store_full", 413)
def _(apps: Apps) -> httpx.Response:
    client = apps(max_networks=1)
    created(client)
    return client.post("/api/networks", json=MOONS)


# --- what was sent -------------------------------------------------------------------------


@case("invalid_body", "invalid_body", 422)
def _(apps: Apps) -> httpx.Response:
    return post_raw(apps(), "/api/networks", b'{"layers": [2, 1]')


@case("invalid_body-not-utf8", "invalid_body", 422)
def _(apps: Apps) -> httpx.Response:
    return post_raw(apps(), "/api/networks", b'{"layers": [2, 1], "loss": "\xff"}')


@case("invalid_body-lone-surrogate", "invalid_body", 422)
def _(apps: Apps) -> httpx.Response:
    return post_raw(apps(), "/api/networks", b'{"layers": [2, 1], "loss": "\\ud800"}')


@case("validation_error", "validation_error", 422)
def _(apps: Apps) -> httpx.Response:
    return apps().post("/api/networks", json={"layers": [2, "x"]})


@case("validation_error-null-body", "validation_error", 422)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    return post_raw(client, f"/api/networks/{created(client)}/step", b"null")


@case("validation_error-null-setting", "validation_error", 422)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    return client.patch(f"/api/networks/{created(client)}", json={"loss": None})


@case("invalid_owner_key", "invalid_owner_key", 422)
def _(apps: Apps) -> httpx.Response:
    return apps().get("/api/networks", headers={"X-Owner-Key": "short"})


@case("invalid_input", "invalid_input", 422)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    return client.post(f"/api/networks/{created(client)}/forward", json={"inputs": [[1, 2, 3]]})


@case("non_finite", "non_finite", 422)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    net = created(client, DEEP_LINEAR)
    huge = [
        np.full((n_out, n_in), 1e9).tolist()
        for n_in, n_out in zip(DEEP_LINEAR["layers"], DEEP_LINEAR["layers"][1:])
    ]
    return client.put(f"/api/networks/{net}/parameters", json={"weights": huge})


@case("loss_mismatch", "loss_mismatch", 422)
def _(apps: Apps) -> httpx.Response:
    return apps().post("/api/networks", json={"layers": [2, 1], "activations": ["tanh"], "loss": "bce"})


@case("invalid_csv", "invalid_csv", 422)
def _(apps: Apps) -> httpx.Response:
    return apps().post("/api/datasets", files={"file": ("empty.csv", io.BytesIO(b""))})


@case("lesson_broken", "lesson_broken", 422)
def _(apps: Apps) -> httpx.Response:
    return apps(lessons=broken("action: forward", "action: forwards")).get("/api/lessons/my-neuron")


# --- the server's own failures -------------------------------------------------------------


@case("internal_error", "internal_error", 500)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    net = created(client, MAZUR)
    assert apps.database is not None
    query(apps.database, "UPDATE networks SET state = '{' WHERE id = ?", (net,))  # no code wrote it
    return client.get(f"/api/networks/{net}")


@case("database_error", "database_error", 500)
def _(apps: Apps) -> httpx.Response:
    client = apps()
    assert apps.database is not None
    query(apps.database, "DROP TABLE datasets")  # behind the store's back
    return client.get("/api/datasets")


@case("http_error", "http_error", 418)
def _(apps: Apps) -> httpx.Response:
    client = apps()

    def teapot() -> None:  # a refusal of the framework's own kind, with a status the app never uses
        raise HTTPException(418, "I'm a teapot")

    client.app.add_api_route("/api/teapot", teapot)  # type: ignore[attr-defined]
    return client.get("/api/teapot")


@pytest.mark.parametrize("name", list(CASES))
def test_each_refusal_carries_its_code(apps: Apps, name: str) -> None:
    code, status, make = CASES[name]
    response = make(apps)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert set(body) <= {"detail", "code", "errors"}, body


# Codes whose situation takes a real server, concurrent requests or a wait: the test that
# sends each, by the file it is in.
ELSEWHERE: dict[str, str] = {
    "body_timeout": "tests/app/test_class_server.py",
    "network_training": "tests/app/test_admission.py",
    "network_busy": "tests/app/test_admission.py",
    "rate_limited": "tests/app/test_gate.py",
    "server_busy": "tests/app/test_gate.py",
    "memory_busy": "tests/app/test_gate.py",
    "storage_unavailable": "tests/app/test_disk.py",
    "stale_write": "tests/app/test_store.py",
    "network_locked": "tests/app/test_error_codes.py",
}


def test_every_code_is_sent_by_a_test_of_its_situation() -> None:
    tested = {code for code, _, _ in CASES.values()}
    assert tested | set(ELSEWHERE) == CODES, sorted(CODES ^ (tested | set(ELSEWHERE)))
    assert not tested & set(ELSEWHERE)
    for code, path in ELSEWHERE.items():
        assert f'"{code}"' in (ROOT / path).read_text(), f"{path} never checks the code {code}"


def test_a_network_held_by_another_process_is_network_locked() -> None:
    """Sent after 30 s of waiting for another process's lock (app/store/locks.py)."""
    refusal = NetworkBusy("abc")
    assert (refusal.status_code, refusal.code) == (409, "network_locked")
    assert refusal.detail.startswith("network 'abc' has been busy in another server process")


def documented_codes() -> dict[str, set[str]]:
    """docs/api.md's table of error codes: each code's statuses."""
    text = (ROOT / "docs" / "api.md").read_text()
    table = text.split("### Error codes", 1)[1].split("\n\n", 2)[1]
    rows = [re.match(r"\| `(\w+)` \| ([^|]+) \|", line) for line in table.splitlines()[2:]]
    assert all(rows), table
    return {row[1]: {s.strip() for s in row[2].split(",")} for row in rows if row}


def test_the_api_guide_lists_every_code_with_its_statuses() -> None:
    documented = documented_codes()
    assert set(documented) == CODES, sorted(CODES ^ set(documented))
    for name, (code, status, _) in CASES.items():
        said = documented[code]
        assert str(status) in said or (said == {"other"} and code == "http_error"), (name, said)


def test_the_openapi_document_declares_the_code_of_every_error(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(tmp_path / "n.db"))) as client:
        document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for name in ("ErrorOut", "ValidationErrorOut"):
        assert "code" in schemas[name]["required"]
        assert schemas[name]["properties"]["code"]["enum"] == list(get_args(ErrorCode))
    errors = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.rsplit("/", 1)[1] in ("ErrorOut", "ValidationErrorOut"), (status, ref)
                    errors += 1
    assert errors > 100
    train = document["paths"]["/api/networks/{network_id}/train"]["post"]["responses"]["200"]
    events = train["content"]["text/event-stream"]["schema"]["oneOf"]
    error_event = next(e for e in events if e["properties"]["event"]["const"] == "error")
    assert error_event["properties"]["data"]["contentSchema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_the_openapi_document_declares_every_error_status_where_it_is_sent(tmp_path: Path) -> None:
    """Every status of the API guide's error codes is declared with ErrorOut where the server can
    send it: 408 on every operation that reads a body (every method but GET), 500 on every
    operation, and 405, which answers only a method a path does not list, as the reusable
    response MethodNotAllowed with its Allow header (a token server's document: its 401s too)."""
    app = create_app(Settings(tmp_path / "n.db", Limits(), Access(token=TOKEN)))
    document = app.openapi()
    error_out = {"$ref": "#/components/schemas/ErrorOut"}
    declared = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            declared |= set(responses)
            server_error = responses["500"]
            assert server_error["content"]["application/json"]["schema"] == error_out, (method, path)
            assert (
                "internal_error" in server_error["description"]
                and "database_error" in server_error["description"]
            )
            timeout = responses.get("408")
            assert (timeout is not None) == (method != "get"), (method, path)
            if timeout is not None:
                assert timeout["content"]["application/json"]["schema"] == error_out, (method, path)
                assert (
                    "body_timeout" in timeout["description"] and "max_body_seconds" in timeout["description"]
                )
            assert "405" not in responses, (method, path)  # the methods it lists are its own
    not_allowed = document["components"]["responses"]["MethodNotAllowed"]
    assert not_allowed["content"]["application/json"]["schema"] == error_out
    assert "method_not_allowed" in not_allowed["description"] and "Allow" in not_allowed["headers"]
    declared.add("405")
    sent = set().union(*documented_codes().values()) - {"other"}
    assert sent <= declared, sorted(sent - declared)
    # The 405 is as declared: ErrorOut's code, and Allow naming the path's methods.
    with TestClient(app) as client:
        refused = client.put("/api/networks", headers={"Authorization": f"Bearer {TOKEN}"})
    assert refused.status_code == 405 and refused.json()["code"] == "method_not_allowed"
    assert refused.headers["allow"] == "GET, HEAD, POST"


def test_each_status_of_the_openapi_document_names_every_code_it_can_carry(tmp_path: Path) -> None:
    """A 429 is `network_busy` or `rate_limited`, a 503 `server_busy`, `memory_busy` or
    `storage_unavailable`: each error status's description, wherever the document declares it,
    names every code docs/api.md's table gives that status (a token server's document: 401 too)."""
    app = create_app(Settings(tmp_path / "n.db", Limits(), Access(token=TOKEN)))
    document = app.openapi()
    codes_of: dict[str, set[str]] = {}
    for code, statuses in documented_codes().items():
        for status in statuses - {"other"}:
            codes_of.setdefault(status, set()).add(code)
    assert {str(status): set(codes) for status, codes in STATUS_CODES.items()} == codes_of
    described = [("405", document["components"]["responses"]["MethodNotAllowed"]["description"])]
    for operations in document["paths"].values():
        for operation in operations.values():
            described += [(s, r["description"]) for s, r in operation["responses"].items() if s[0] in "45"]
    assert {status for status, _ in described} == set(codes_of)
    for status, description in described:
        missing = [code for code in sorted(codes_of[status]) if f"`{code}`" not in description]
        assert not missing, (status, missing, description)


def test_view_only_and_missing_networks_carry_their_codes_on_a_real_server(live_server: str) -> None:
    with httpx.Client(base_url=str(live_server), timeout=30) as http:
        net = http.post("/api/networks", json=MOONS, headers=ALICE).json()["id"]
        share = http.get(f"/api/networks/{net}/share", headers=ALICE).json()["share"]
        viewer = {**BOB, "X-Share-Key": share}
        assert http.get(f"/api/networks/{net}", headers=viewer).status_code == 200
        refused = http.post(f"/api/networks/{net}/step", json={}, headers=viewer)
        assert refused.status_code == 403 and refused.json()["code"] == "view_only"
        for headers in (BOB, ALICE):  # without the share key, or after the owner deleted it
            if headers is ALICE:
                assert http.delete(f"/api/networks/{net}", headers=ALICE).status_code == 204
            missing = http.post(f"/api/networks/{net}/step", json={}, headers=headers)
            assert missing.status_code == 404 and missing.json()["code"] == "network_not_found"
        dataset = http.get("/api/datasets/nosuchdataset0", headers=ALICE)
        assert dataset.status_code == 404 and dataset.json()["code"] == "dataset_not_found"
