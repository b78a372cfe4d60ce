"""The per-process session cache (``app/networks/sessions.py``) and the snapshot usage totals:
a reused session answers exactly as a freshly decoded one, another process's write is always
seen, a failed request leaves nothing behind to reuse."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import httpx
from backprop_explorer.app.networks.sessions import Sessions
from backprop_explorer.app.service import Service
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import start_server, stop_server

from .conftest import MOONS, create, query, sqlite_only

ADAM = {**MOONS, "optimizer": {"name": "adam"}, "regularization": {"kind": "l2", "rate": 0.01}}


def service(client: TestClient) -> Service:
    app = client.app
    assert isinstance(app, FastAPI)
    return app.state.service


def sessions(client: TestClient) -> Sessions:
    return service(client).sessions


def step(client: TestClient | httpx.Client, network_id: str, body: dict | None = None) -> dict:
    response = client.post(f"/api/networks/{network_id}/step", json=body or {})
    assert response.status_code == 200, response.text
    return response.json()


def weights_after(answer: dict) -> list:
    return [layer["W_new"] for layer in answer["update"]["layers"]]


def weights_before(answer: dict) -> list:
    return [layer["W"] for layer in answer["forward"]["layers"]]


def test_a_step_by_another_server_is_seen_by_the_next_step(new_database) -> None:
    """Two real servers on one database: each keeps the session it committed; a step on one
    bumps the stored version, so the other decodes the stored network instead of reusing."""
    db = new_database()
    first, second = start_server(db), start_server(db)
    try:
        with (
            httpx.Client(base_url=first.url, timeout=30) as a,
            httpx.Client(base_url=second.url, timeout=30) as b,
        ):
            network_id = a.post("/api/networks", json=MOONS).json()["id"]
            one, two = step(a, network_id), step(a, network_id)  # the second reuses A's session
            assert weights_before(two) == weights_after(one)
            three = step(b, network_id)
            assert weights_before(three) == weights_after(two) and three["update"]["step"] == 3
            four = step(a, network_id)  # A's cached session is at step 2: it must not be used
            assert weights_before(four) == weights_after(three) and four["update"]["step"] == 4
            five = step(b, network_id)
            assert weights_before(five) == weights_after(four) and five["update"]["step"] == 5
            history = a.get(f"/api/networks/{network_id}/history").json()
            assert [s["step"] for s in history["steps"]] == [1, 2, 3, 4, 5]
    finally:
        stop_server(first)
        stop_server(second)


def test_two_apps_on_one_database_reuse_only_their_own_latest_version(make_client, new_database) -> None:
    db = new_database()
    a, b = make_client(db), make_client(db)
    network_id = create(a, ADAM)["id"]
    first = step(a, network_id)
    hits = sessions(a).hits
    second = step(a, network_id)
    assert sessions(a).hits == hits + 1 and weights_before(second) == weights_after(first)
    third = step(b, network_id)
    fourth = step(a, network_id)
    assert sessions(a).hits == hits + 1, "a session older than the stored version was reused"
    assert weights_before(fourth) == weights_after(third) and fourth["update"]["step"] == 4
    # A patch through B (a new learning rate) is seen by A's next step too.
    assert b.patch(f"/api/networks/{network_id}", json={"learning_rate": 0.01}).status_code == 200
    fifth = step(a, network_id)
    assert fifth["update"]["learning_rate"] == 0.01
    assert weights_before(fifth) == weights_after(fourth)


def run_sequence(client: TestClient) -> list[bytes]:
    """Phases one by one and at once, on the cursor, picked rows and explicit inputs, with
    refused requests in between; every answer's bytes."""
    network_id = create(client, ADAM)["id"]
    url = f"/api/networks/{network_id}"
    answers = []

    def post(path: str, body: dict | None = None) -> None:
        response = client.post(f"{url}/{path}", json=body or {})
        answers.append(f"{response.status_code} ".encode() + response.content)

    for _ in range(7):
        post("step")
    post("loss")  # 409: forward first
    post("step", {"indices": [0, 999]})  # 422: out of range
    post("forward", {"indices": [1, 2, 3]})
    post("backward")  # 409: loss first
    post("loss")
    post("backward")
    post("update")
    post("step", {"inputs": [[1e9, -1e9]], "targets": [[1.0]]})
    post("step", {"inputs": [[0.5, -0.5]], "targets": [[1.0]]})
    post("forward")
    post("loss", {"targets": [[1.0]]})  # 422: the batch's targets come from the data
    post("loss")
    post("update")  # 409: backward first
    post("backward")
    post("update")
    post("epoch")
    post("rewind", {"step": 9})
    for _ in range(4):
        post("step")
    post("reset")
    post("step")
    answers.append(client.get(f"{url}/history").content)
    answers.append(client.get(f"{url}/snapshots").content)
    return [answer.replace(network_id.encode(), b"ID") for answer in answers]


def test_a_reused_session_answers_byte_for_byte_as_a_decoded_one(
    make_client: Callable[..., TestClient],
) -> None:
    cached, decoded = make_client(), make_client()
    service(decoded).sessions = Sessions(max_sessions=0)  # keeps none: every request decodes
    with_cache, without = run_sequence(cached), run_sequence(decoded)
    assert sessions(cached).hits > 10 and sessions(decoded).hits == 0
    assert with_cache == without
    codes = {answer.split(b" ", 1)[0] for answer in with_cache[:-2]}
    assert codes == {b"200", b"409", b"422"}


def test_a_refused_request_leaves_no_session_behind(client: TestClient) -> None:
    network_id = create(client, MOONS)["id"]
    step(client, network_id)
    assert len(sessions(client)) == 1
    for body in ({"indices": [0, 999]}, {"inputs": [[0.5, 0.5]]}):  # 422: refused in forward
        refused = client.post(f"/api/networks/{network_id}/step", json=body)
        assert refused.status_code == 422, refused.text
        assert len(sessions(client)) == 0  # taken for the request, not put back: never reused
    assert client.post(f"/api/networks/{network_id}/loss", json={}).status_code == 409
    assert len(sessions(client)) == 0
    stored = client.get(f"/api/networks/{network_id}").json()
    assert stored["phase"] == "update" and stored["step"] == 1
    assert client.delete(f"/api/networks/{network_id}").status_code == 204
    assert len(sessions(client)) == 0


def usage_matches(db) -> list[tuple]:
    kept = query(db, "SELECT network_id, count, bytes FROM snapshot_usage ORDER BY 1")
    counted = query(
        db, "SELECT network_id, COUNT(*), SUM(size) FROM snapshots GROUP BY network_id ORDER BY 1"
    )
    assert kept == counted
    return kept


def test_snapshot_usage_totals_follow_every_change(make_client, new_database) -> None:
    db = new_database()
    client = make_client(db, max_step_snapshots=5, max_snapshot_bytes=40_000)
    ids = [create(client, spec)["id"] for spec in (MOONS, ADAM)]
    for network_id in ids:
        for _ in range(12):  # past max_step_snapshots: the oldest step snapshots go
            step(client, network_id)
        assert client.post(f"/api/networks/{ids[0]}/train", json={"epochs": 30}).status_code == 200
        usage_matches(db)
    listing = client.get(f"/api/networks/{ids[0]}/snapshots").json()["snapshots"]
    middle = listing[len(listing) // 2]
    assert middle["kind"] == "epoch"  # a long train's budget keeps epochs
    assert client.post(f"/api/networks/{ids[0]}/rewind", json={"epoch": middle["epoch"]}).status_code == 200
    usage_matches(db)
    assert client.post(f"/api/networks/{ids[1]}/reset", json={}).status_code == 200
    usage_matches(db)
    count, total = service(client).store.snapshot_usage(ids[0])
    assert 0 < total <= 40_000 and count > 0
    assert client.delete(f"/api/networks/{ids[0]}").status_code == 204
    assert [row[0] for row in usage_matches(db)] == [ids[1]]


@sqlite_only
def test_a_file_without_usage_totals_gets_them(make_client, tmp_path: Path) -> None:
    """A file written before the totals existed: they are counted once when it is opened."""
    db = tmp_path / "old.db"
    client = make_client(db)
    network_id = create(client, MOONS)["id"]
    for _ in range(6):
        step(client, network_id)
    client.close()
    with sqlite3.connect(db) as conn:
        for trigger in ("snapshot_added", "snapshot_replaced", "snapshot_removed"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP TABLE snapshot_usage")
    reopened = make_client(db)
    [(_, count, _)] = usage_matches(db)
    step(reopened, network_id)
    assert usage_matches(db)[0][1] == count + 1
