"""In-process clients over a fresh database per test (the real app, the real database).

Every test that takes ``make_client``, ``client`` or ``new_database`` runs twice: on a SQLite
file and on a PostgreSQL database of the session's throwaway cluster (``backend``:
``"sqlite"`` or ``"postgresql"``, each also a marker of the test: ``make test-fast`` leaves
the PostgreSQL copies to ``make test``); a test about SQLite's file itself is marked
``@sqlite_only``.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import psycopg
import pytest
from backprop_explorer.app.config import Limits, Settings
from backprop_explorer.app.main import create_app
from backprop_explorer.app.schemas import MAZUR_EXAMPLE
from fastapi.testclient import TestClient

from tests.conftest import Database, is_url

BACKENDS = ("sqlite", "postgresql")

# The OpenAPI example is Mazur's network; the tests check its documented numbers.
MAZUR = {key: value for key, value in MAZUR_EXAMPLE.items() if key != "data"}
MAZUR_INPUTS = [[0.05, 0.10]]
MAZUR_TARGETS = [[0.01, 0.99]]
MOONS = {
    "layers": [2, 4, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.5,
    "data": {"generator": "moons", "n": 40, "noise": 0.1, "seed": 3},
    "batch_size": 8,
    "validation_split": 0.25,
}


@pytest.fixture(params=[pytest.param(name, marks=getattr(pytest.mark, name)) for name in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


# A test about SQLite's file itself (its format, its disk): the SQLite run only.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def new_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Database]]:
    """``new_database()``: a new empty store of the test's backend (a SQLite file, or a schema of
    the PostgreSQL cluster's stores database), dropped after the test."""
    if backend == "sqlite":
        names = itertools.count()
        yield lambda: tmp_path / f"net{next(names)}.db"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    made: list[str] = []

    def make() -> str:
        made.append(cluster.create_store())
        return made[-1]

    yield make
    for url in made:
        cluster.drop_store(url)


@pytest.fixture
def make_client(new_database: Callable[[], Database]) -> Iterator[Callable[..., TestClient]]:
    """``make_client(db=None, **limits)``: a client of a new app with those limits on ``db``
    (by default a new database of the test's backend)."""
    clients: list[TestClient] = []

    def make(db: Database | None = None, **limits: int) -> TestClient:
        settings = Settings(db or new_database(), Limits(**limits))
        client = TestClient(create_app(settings))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
        client.app.state.service.store.close()  # type: ignore[attr-defined]


def query(db: Database, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    """Run one statement on a database behind the store's back (``?`` parameters); its rows."""
    if is_url(db):
        with psycopg.connect(str(db), autocommit=True) as conn:
            cursor = conn.execute(sql.replace("?", "%s"), params or None)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def create(client: TestClient, spec: dict) -> dict:
    response = client.post("/api/networks", json=spec)
    assert response.status_code == 201, response.text
    return response.json()
