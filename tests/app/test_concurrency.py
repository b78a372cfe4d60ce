"""Several server processes on one database (a SQLite file, and PostgreSQL) lose no
acknowledged step (real uvicorn processes)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import Database, start_server, stop_server

from .conftest import MOONS

NETWORKS, CLIENTS, STEPS_PER_CLIENT = 2, 8, 20


@contextmanager
def workers_server(db: Database, workers: int) -> Iterator[str]:
    """``uvicorn --workers N`` on ``db``; yields the base URL once every worker answers."""
    # Each worker imports the app itself: ready once the log says all are up.
    server = start_server(
        db,
        args=("--workers", str(workers)),
        timeout=60,
        ready=lambda s: s.output.count("Application startup complete") >= workers,
    )
    try:
        yield server.url
    finally:
        stop_server(server)


def hammer(bases: list[str]) -> None:
    """CLIENTS threads step NETWORKS networks through every base URL in turn; then each
    network's step count must equal the 200 answers it gave, and its logs must agree."""
    with httpx.Client(base_url=bases[0], timeout=60) as client:
        ids = [client.post("/api/networks", json=MOONS).json()["id"] for _ in range(NETWORKS)]
    acknowledged: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    guard = threading.Lock()

    def work(n: int) -> None:
        # A kept-alive connection per base: with --workers the kernel spreads the clients'
        # connections over the processes.
        clients = [httpx.Client(base_url=base, timeout=60) for base in bases]
        try:
            for k in range(STEPS_PER_CLIENT):
                network_id = ids[(n + k) % NETWORKS]
                response = clients[(n + k) % len(clients)].post(f"/api/networks/{network_id}/step", json={})
                with guard:
                    statuses[response.status_code] += 1
                    if response.status_code == 200:
                        acknowledged[network_id] += 1
        finally:
            for client in clients:
                client.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == {200: CLIENTS * STEPS_PER_CLIENT}
    with httpx.Client(base_url=bases[-1], timeout=60) as client:
        for network_id in ids:
            net = client.get(f"/api/networks/{network_id}").json()
            assert net["step"] == acknowledged[network_id]
            steps = client.get(f"/api/networks/{network_id}/history").json()["steps"]
            assert [s["step"] for s in steps] == list(range(1, acknowledged[network_id] + 1))


def test_two_servers_on_one_database_lose_no_step(new_database) -> None:
    db = new_database()
    first, second = start_server(db), start_server(db)
    try:
        hammer([first.url, second.url])
    finally:
        stop_server(first)
        stop_server(second)


@pytest.mark.parametrize("workers", [2])
def test_uvicorn_workers_lose_no_step(new_database, workers: int) -> None:
    with workers_server(new_database(), workers) as base:
        hammer([base])
