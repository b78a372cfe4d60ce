"""A store written by the previous release opens with today's code, upgraded in place.

``fixtures/release-d7bcbfb.db`` is a SQLite file written by the code of commit d7bcbfb (the last
release before owners and PostgreSQL) running as a server, and ``release-d7bcbfb.json`` what
that server answered about each network and upload; ``scripts/release_fixture.py`` made both
from the commit's own code. Today's code must read every network from it exactly as that
release served it, go on training them, and carry them into PostgreSQL unchanged.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
from backprop_explorer.app.config import Settings
from backprop_explorer.app.main import create_app
from backprop_explorer.app.store import copy, postgres_schema
from backprop_explorer.app.store.postgres import PostgresConnection
from fastapi.testclient import TestClient

from tests.conftest import ROOT
from tests.postgres import Cluster

from .conftest import query, sqlite_only

FIXTURE = Path(__file__).parent / "fixtures" / "release-d7bcbfb.db"
RECORDED = json.loads(FIXTURE.with_suffix(".json").read_text())
PATHS = {"network": "", "history": "/history", "export": "/export", "snapshots": "/snapshots"}


def released_file(tmp_path: Path) -> Path:
    db = tmp_path / "release.db"
    shutil.copy(FIXTURE, db)  # the committed file is never written
    return db


def released(now: object, then: object) -> bool:
    """``now`` holds the answer the release gave (``then``) number for number, at every depth;
    it may hold fields added since (``class_names``, ``n_outputs``…)."""
    if isinstance(then, dict) and isinstance(now, dict):
        return then.keys() <= now.keys() and all(released(now[key], then[key]) for key in then)
    if isinstance(then, list) and isinstance(now, list):
        return len(now) == len(then) and all(released(a, b) for a, b in zip(now, then, strict=True))
    return now == then


def assert_answers_as_released(client: TestClient) -> None:
    for network_id, recorded in RECORDED["networks"].items():
        for what, path in PATHS.items():
            response = client.get(f"/api/networks/{network_id}{path}")
            assert response.status_code == 200, response.text
            assert released(response.json(), recorded[what]), f"{what} of {network_id}"
    for dataset_id, recorded in RECORDED["datasets"].items():
        assert released(client.get(f"/api/datasets/{dataset_id}").json(), recorded)
    listing = client.get("/api/networks").json()["networks"]
    assert [network["id"] for network in listing] == RECORDED["listing"]
    assert_uploads_listed_as_released(client)


def assert_uploads_listed_as_released(client: TestClient) -> None:
    """The listing of uploads says what the release's said (today's has more to say)."""
    listed = client.get("/api/datasets").json()["datasets"]
    recorded = RECORDED["dataset_listing"]
    assert [{key: item[key] for key in recorded[0] if key in item} for item in listed] == [
        {key: item[key] for key in item if key in listed[0]} for item in recorded
    ]
    assert set(recorded[0]) & set(listed[0]) >= {"dataset_id", "n_samples", "task", "standardized"}


@sqlite_only
def test_a_file_of_the_previous_release_is_upgraded_in_place(make_client, tmp_path: Path) -> None:
    db = released_file(tmp_path)
    assert query(db, "PRAGMA user_version") == [(2,)]
    client = make_client(db)
    store = client.app.state.service.store
    assert query(db, "PRAGMA user_version") == [(store.schema_version,)] and store.schema_version > 2
    assert_answers_as_released(client)
    assert store.integrity() == []
    # Everything it held belongs to the anonymous owner now, counted in the totals.
    assert store.usage(None)["networks"] == len(RECORDED["networks"])
    for network_id, recorded in RECORDED["networks"].items():
        url = f"/api/networks/{network_id}"
        # The release did not count the step its last epoch closed at: known only before any epoch.
        then = recorded["network"]["epoch"]
        assert client.get(url).json()["epoch_end_step"] == (None if then else 0)
        if recorded["network"]["phase"] == "forward":  # halfway through a step: it goes on
            assert client.post(f"{url}/loss", json={}).status_code == 200
        trained = client.post(f"{url}/train", json={"epochs": 1})
        assert trained.status_code == 200, trained.text
        now = trained.json()["network"]
        assert now["epoch"] == then + 1 and now["epoch_end_step"] == now["step"]
    assert store.integrity() == []


def test_the_previous_release_s_work_copied_to_postgresql_answers_the_same(
    tmp_path: Path, postgres_cluster: Cluster
) -> None:
    """Upgraded, then moved with ``backprop-explorer db copy`` into PostgreSQL, and back."""
    url = postgres_cluster.create_database()
    back = tmp_path / "back.db"
    for source, target in ((released_file(tmp_path), url), (url, back)):
        copied = subprocess.run(
            [sys.executable, "-m", "backprop_explorer.app.cli", "db", "copy", str(source), str(target)],
            capture_output=True, text=True, cwd=ROOT, timeout=120,
        )  # fmt: skip
        assert copied.returncode == 0, copied.stdout + copied.stderr
        assert f"copied {len(RECORDED['networks'])} networks, 1 uploads" in copied.stdout
        with TestClient(create_app(Settings(target))) as client:
            assert_answers_as_released(client)
            store = client.app.state.service.store
            assert store.integrity() == []
            store.close()
    postgres_cluster.drop_database(url)


def test_a_postgresql_database_of_an_older_schema_is_upgraded_in_place(
    tmp_path: Path, postgres_cluster: Cluster
) -> None:
    """A database made by schema version 3 (before the expiry sweep's index) and holding the
    release's networks opens at today's version, every network answering as released."""
    url = postgres_cluster.create_database()
    # The release's file, upgraded (its tables have version 3's columns), copied row for row.
    with TestClient(create_app(Settings(released_file(tmp_path)))) as client:
        store = client.app.state.service.store
        with store._db.reading() as source, psycopg.connect(url, autocommit=True) as raw:
            raw.execute(postgres_schema.MIGRATIONS[3])
            raw.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '3')")
            target = PostgresConnection(raw)
            for table, (keys, columns) in copy.TABLES.items():
                copy._copy_table(source, target, table, keys, columns)
        store.close()
    assert query(url, "SELECT 1 FROM pg_indexes WHERE indexname = 'networks_by_update'") == []
    with TestClient(create_app(Settings(url))) as client:
        store = client.app.state.service.store
        assert store.schema_version > 3
        assert query(url, "SELECT value FROM meta WHERE key = 'schema_version'") == [
            (str(store.schema_version),)
        ]
        assert query(url, "SELECT 1 FROM pg_indexes WHERE indexname = 'networks_by_update'") == [(1,)]
        assert_answers_as_released(client)
        assert store.integrity() == []
        store.close()
    postgres_cluster.drop_database(url)
