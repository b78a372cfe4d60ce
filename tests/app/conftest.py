"""In-process clients over a fresh database per test (the real app, the real SQLite)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from backprop_explorer.app.config import Limits, Settings
from backprop_explorer.app.main import create_app
from backprop_explorer.app.schemas import MAZUR_EXAMPLE
from fastapi.testclient import TestClient

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


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**limits)``: a client of a new app with those limits on its own database."""
    clients: list[TestClient] = []

    def make(db: Path | None = None, **limits: int) -> TestClient:
        settings = Settings(db or tmp_path / f"net{len(clients)}.db", Limits(**limits))
        client = TestClient(create_app(settings))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def create(client: TestClient, spec: dict) -> dict:
    response = client.post("/api/networks", json=spec)
    assert response.status_code == 201, response.text
    return response.json()
