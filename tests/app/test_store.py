"""The store on a real database (a SQLite file, and PostgreSQL): data kept apart, listing from
columns, caps, version checks, locks across stores; the migration of version-1 SQLite files."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from backprop_explorer.app.config import Limits
from backprop_explorer.app.store import StaleWrite, Store
from backprop_explorer.app.store.sqlite_schema import SCHEMA_VERSION
from fastapi.testclient import TestClient

from tests.conftest import start_server, stop_server

from .conftest import MAZUR, MOONS, create, query, sqlite_only


def explicit_spec(rows: int, seed: int = 0) -> dict:
    X = np.random.default_rng(seed).normal(size=(rows, 2)).round(6)
    data = {"inputs": X.tolist(), "targets": (X[:, :1] * X[:, 1:] > 0).astype(float).tolist()}
    return {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "data": data}


def row_sizes(db) -> dict[str, int]:
    [(network,)] = query(db, "SELECT MAX(length(spec) + length(state)) FROM networks")
    [(data,)] = query(db, "SELECT COALESCE(SUM(length(data)), 0) FROM network_data")
    [(blobs,)] = query(db, "SELECT COUNT(*) FROM network_data")
    return {"network": network or 0, "data": data, "blobs": blobs}


@pytest.mark.slow  # 10,000 explicit rows through create, step, export and import: seconds
def test_explicit_data_is_stored_once_and_never_with_a_step(make_client, new_database) -> None:
    db = new_database()
    client = make_client(db)
    spec = explicit_spec(10_000)
    net = create(client, spec)
    url = f"/api/networks/{net['id']}"
    before = row_sizes(db)
    assert before["blobs"] == 1 and before["data"] > 200_000 and before["network"] < 5_000
    for _ in range(5):
        assert client.post(f"{url}/step", json={}).status_code == 200
    assert row_sizes(db)["network"] < 5_000 and row_sizes(db)["data"] == before["data"]
    # The wire format is unchanged: the network and its export still carry every row.
    assert client.get(url).json()["data"]["inputs"] == spec["data"]["inputs"]
    export = client.get(f"{url}/export").json()
    assert export["spec"]["data"]["targets"] == spec["data"]["targets"]
    # A copy shares the stored rows; they go with the last network that uses them.
    copy = client.post("/api/networks/import", json=export).json()
    assert client.get(f"/api/networks/{copy['id']}").json()["data"]["inputs"] == spec["data"]["inputs"]
    assert row_sizes(db)["blobs"] == 1
    assert client.delete(url).status_code == 204
    assert row_sizes(db)["blobs"] == 1
    assert client.post(f"/api/networks/{copy['id']}/step", json={}).status_code == 200
    assert client.delete(f"/api/networks/{copy['id']}").status_code == 204
    assert row_sizes(db)["blobs"] == 0


def test_another_process_sees_data_of_the_same_content(make_client, new_database) -> None:
    """Datasets are cached by content, not by network: a second store on the database agrees."""
    db = new_database()
    first, second = make_client(db), make_client(db)
    net = create(first, explicit_spec(50, seed=1))
    step = second.post(f"/api/networks/{net['id']}/step", json={"indices": [7]}).json()
    assert step["forward"]["inputs"] == [explicit_spec(50, seed=1)["data"]["inputs"][7]]


def test_listing_pages_through_summary_columns(client: TestClient) -> None:
    ids = [create(client, MOONS if k % 2 else MAZUR)["id"] for k in range(5)]
    page = client.get("/api/networks", params={"limit": 2, "offset": 1})
    assert page.status_code == 200
    body = page.json()
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 1)
    assert [n["id"] for n in body["networks"]] == ids[1:3]
    assert body["networks"][0]["layers"] == MOONS["layers"] and body["networks"][0]["task"] == "binary"
    client.post(f"/api/networks/{ids[1]}/step", json={})
    first = client.get("/api/networks").json()["networks"][1]
    assert (first["phase"], first["step"], first["epoch"]) == ("update", 1, 0)
    # Listing never reads a network's state: an unreadable one does not break it.
    query(
        client.app.state.service.store.target,
        "UPDATE networks SET state = 'not json' WHERE id = ?",
        (ids[4],),
    )
    assert [n["id"] for n in client.get("/api/networks").json()["networks"]] == ids
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        assert client.get("/api/networks", params=params).status_code == 422


def test_datasets_are_listed_and_deleted_unless_in_use(client: TestClient) -> None:
    csv = b"a,b,y\n1,2,0\n2,3,1\n3,1,0\n"
    ids = []
    for _ in range(2):
        response = client.post("/api/datasets", files={"file": ("d.csv", csv, "text/csv")})
        assert response.status_code == 201
        ids.append(response.json()["dataset_id"])
    listing = client.get("/api/datasets").json()
    assert listing["total"] == 2 and [d["dataset_id"] for d in listing["datasets"]] == ids
    assert "inputs" not in listing["datasets"][0] and listing["datasets"][0]["n_samples"] == 3
    net = create(client, {"layers": [2, 1], "activations": ["sigmoid"], "data": {"dataset_id": ids[0]}})
    refused = client.delete(f"/api/datasets/{ids[0]}")
    assert refused.status_code == 409 and "used by 1 network" in refused.json()["detail"]
    assert client.delete(f"/api/datasets/{ids[1]}").status_code == 204
    assert client.get(f"/api/datasets/{ids[1]}").status_code == 404
    assert client.delete(f"/api/datasets/{ids[1]}").status_code == 404
    assert client.delete(f"/api/networks/{net['id']}").status_code == 204
    assert client.delete(f"/api/datasets/{ids[0]}").status_code == 204
    assert client.get("/api/datasets").json()["total"] == 0
    spec = {"layers": [2, 1], "activations": ["sigmoid"], "data": {"dataset_id": ids[0]}}
    assert client.post("/api/networks", json=spec).status_code == 422


def test_caps_on_networks_datasets_and_step_losses(new_database) -> None:
    env = {
        "BACKPROP_EXPLORER_MAX_NETWORKS": "2",
        "BACKPROP_EXPLORER_MAX_DATASETS": "1",
        "BACKPROP_EXPLORER_MAX_STEP_LOSSES": "5",
    }
    server = start_server(new_database(), env=env)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            first = client.post("/api/networks", json=MOONS).json()
            client.post("/api/networks", json=MAZUR)
            refused = client.post("/api/networks", json=MAZUR)
            assert refused.status_code == 413
            assert "max_networks=2" in refused.json()["detail"]
            assert "BACKPROP_EXPLORER_MAX_NETWORKS" in refused.json()["detail"]
            export = client.get(f"/api/networks/{first['id']}/export").json()
            assert client.post("/api/networks/import", json=export).status_code == 413
            upload = {"file": ("d.csv", b"a,y\n1,0\n2,1\n", "text/csv")}
            assert client.post("/api/datasets", files=upload).status_code == 201
            refused = client.post("/api/datasets", files=upload)
            assert refused.status_code == 413 and "max_datasets=1" in refused.json()["detail"]
            for _ in range(8):
                assert client.post(f"/api/networks/{first['id']}/step", json={}).status_code == 200
            steps = client.get(f"/api/networks/{first['id']}/history").json()["steps"]
            assert [s["step"] for s in steps] == [4, 5, 6, 7, 8]
            assert client.delete(f"/api/networks/{first['id']}").status_code == 204
            assert client.post("/api/networks", json=MAZUR).status_code == 201
    finally:
        stop_server(server)


def sample_doc(network_id: str = "net-1") -> dict:
    return {
        "format": "backprop-explorer/1",
        "id": network_id,
        "spec": {"layers": [1, 1], "activations": ["linear"], "loss": "mse", "data": None},
        "parameters": {"weights": [[[0.5]]], "biases": [[0.0]]},
        "trainer": {"epoch": 0, "step": 0},
        "phase": "ready",
        "pending": None,
    }


def test_a_save_based_on_an_older_read_is_refused(new_database) -> None:
    db = new_database()
    first, second = Store(db, limits=Limits()), Store(db, limits=Limits())
    first.save(sample_doc())
    with first.lock("net-1"):
        doc = first.load("net-1")
        assert doc is not None
        # A writer that ignores the lock (a bug, or an old server) changes the network meanwhile.
        other = second.load("net-1")
        assert other is not None
        other["trainer"]["step"] = 7
        second.save(other)
        doc["trainer"]["step"] = 1
        with pytest.raises(StaleWrite) as stale:
            first.save(doc)
        assert (stale.value.status_code, stale.value.code) == (409, "stale_write")
    stored = first.load("net-1")
    assert stored is not None and stored["trainer"]["step"] == 7
    with first.lock("net-1"):  # a fresh read inside the lock saves fine, twice
        doc = first.load("net-1")
        assert doc is not None
        first.save(doc)
        first.save(doc)
    first.close()
    second.close()


def test_the_lock_holds_across_stores_on_one_database(new_database) -> None:
    """Two Store objects stand for two processes: OFD locks conflict between open files, advisory
    locks between PostgreSQL sessions."""
    db = new_database()
    first, second = Store(db, limits=Limits()), Store(db, limits=Limits())
    held, order = threading.Event(), []

    def hold() -> None:
        with first.lock("net-1"):
            held.set()
            time.sleep(0.5)
            order.append("first released")

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(10)
    started = time.monotonic()
    with second.lock("net-1"):
        order.append("second acquired")
        waited = time.monotonic() - started
    thread.join()
    assert order == ["first released", "second acquired"] and waited > 0.3
    with second.lock("net-2"), first.lock("net-3"):  # other networks never wait
        pass
    first.close()
    second.close()


@sqlite_only
def test_a_version_1_file_is_migrated(make_client, tmp_path: Path) -> None:
    """A file written by the previous store (one JSON document per row) opens with every
    network, its logs and every upload intact."""
    source = make_client(tmp_path / "source.db")
    nets = [create(source, spec) for spec in (MOONS, MAZUR, explicit_spec(30))]
    source.post(f"/api/networks/{nets[0]['id']}/train", json={"epochs": 2})
    source.post(f"/api/networks/{nets[2]['id']}/forward", json={})
    upload = source.post("/api/datasets", files={"file": ("d.csv", b"a,y\n1,0\n2,1\n", "text/csv")}).json()
    expected = {n["id"]: source.get(f"/api/networks/{n['id']}").json() for n in nets}
    history = source.get(f"/api/networks/{nets[0]['id']}/history").json()
    dataset = source.get(f"/api/datasets/{upload['dataset_id']}").json()
    store = source.app.state.service.store

    old = tmp_path / "v1.db"
    with sqlite3.connect(old) as conn:
        conn.executescript(
            "CREATE TABLE networks (id TEXT PRIMARY KEY, doc TEXT NOT NULL, created_at REAL NOT NULL,"
            " updated_at REAL NOT NULL);"
            "CREATE TABLE steps (network_id TEXT NOT NULL, step INTEGER NOT NULL, epoch INTEGER NOT NULL,"
            " loss REAL NOT NULL, PRIMARY KEY (network_id, step));"
            "CREATE TABLE history (network_id TEXT NOT NULL, epoch INTEGER NOT NULL, entry TEXT NOT NULL,"
            " PRIMARY KEY (network_id, epoch));"
            "CREATE TABLE datasets (id TEXT PRIMARY KEY, doc TEXT NOT NULL, created_at REAL NOT NULL);"
        )
        for n in nets:
            doc = store.load(n["id"])
            created, updated = doc.pop("created_at"), doc.pop("updated_at")
            conn.execute(
                "INSERT INTO networks VALUES (?, ?, ?, ?)", (n["id"], json.dumps(doc), created, updated)
            )
        for s in history["steps"]:
            conn.execute(
                "INSERT INTO steps VALUES (?, ?, ?, ?)", (nets[0]["id"], s["step"], s["epoch"], s["loss"])
            )
        for h in store.history(nets[0]["id"]):
            conn.execute("INSERT INTO history VALUES (?, ?, ?)", (nets[0]["id"], h["epoch"], json.dumps(h)))
        conn.execute(
            "INSERT INTO datasets VALUES (?, ?, ?)",
            (upload["dataset_id"], json.dumps(store.load_dataset(upload["dataset_id"])), 1.0),
        )

    migrated = make_client(old)
    for network_id, network in expected.items():
        assert migrated.get(f"/api/networks/{network_id}").json() == network
    assert migrated.get(f"/api/networks/{nets[0]['id']}/history").json() == history
    assert migrated.get(f"/api/datasets/{upload['dataset_id']}").json() == dataset
    listing = migrated.get("/api/networks").json()
    assert [n["id"] for n in listing["networks"]] == [n["id"] for n in nets]
    assert migrated.post(f"/api/networks/{nets[2]['id']}/loss", json={}).status_code == 200
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_an_id_with_a_nul_character_is_no_network(client: TestClient) -> None:
    """No stored id holds one (PostgreSQL's text cannot): 404 on either database, never a 500."""
    for method, path in (
        ("GET", "/api/networks/%00"),
        ("DELETE", "/api/networks/a%00b"),
        ("POST", "/api/networks/%00/step"),
        ("GET", "/api/networks/%00/export"),
        ("GET", "/api/datasets/a%00b"),
    ):
        response = client.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 404, (path, response.text)


@sqlite_only
def test_closing_a_store_twice_closes_nothing_else(new_database, tmp_path: Path) -> None:
    """The lock file's descriptor is closed once: a second close must not close the file or
    socket that has been given the same number since (a database connection, say)."""
    store = Store(new_database(), limits=Limits())
    store.close()
    with open(tmp_path / "opened-since", "wb") as other:  # likely takes the freed number
        store.close()
        other.write(b"still open")
        other.flush()
        os.fstat(other.fileno())
