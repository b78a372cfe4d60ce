"""Against a real uvicorn process: crash safety, concurrency, live training, the example, the CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, LiveServer, start_server, stop_server

from .conftest import MAZUR, MOONS
from .serving import serve

SLOW_TRAIN = {**MOONS, "data": {"generator": "moons", "n": 2000, "noise": 0.1, "seed": 3}, "batch_size": 1}


def test_sigkill_loses_nothing_that_returned(new_database) -> None:
    db = new_database()
    server = start_server(db)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            net = client.post("/api/networks", json=MOONS).json()
            url = f"/api/networks/{net['id']}"
            assert client.post(f"{url}/train", json={"epochs": 3}).status_code == 200
            for _ in range(3):
                assert client.post(f"{url}/step", json={}).status_code == 200
            assert client.post(f"{url}/forward", json={}).status_code == 200
            mazur = client.post("/api/networks", json=MAZUR).json()
            patched = client.patch(f"/api/networks/{mazur['id']}", json={"learning_rate": 0.25})
            assert patched.status_code == 200
            upload = client.post("/api/datasets", files={"file": ("d.csv", b"a,y\n1,0\n2,1\n")})
            assert upload.status_code == 201
            deleted = client.post("/api/networks", json=MAZUR).json()
            assert client.delete(f"/api/networks/{deleted['id']}").status_code == 204
            before = {
                "net": client.get(url).json(),
                "history": client.get(f"{url}/history").json(),
                "export": client.get(f"{url}/export").json(),
                "mazur": client.get(f"/api/networks/{mazur['id']}").json(),
                "list": client.get("/api/networks").json(),
            }
    finally:
        stop_server(server, signal.SIGKILL)
    assert server.process.returncode == -signal.SIGKILL

    server = start_server(db)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert client.get(url).json() == before["net"]
            assert before["net"]["phase"] == "forward" and before["net"]["step"] == 15
            assert client.get(f"{url}/history").json() == before["history"]
            assert client.get(f"{url}/export").json() == before["export"]
            assert client.get(f"/api/networks/{mazur['id']}").json() == before["mazur"]
            assert client.get("/api/networks").json() == before["list"]
            assert client.get(f"/api/networks/{deleted['id']}").status_code == 404
            assert client.get(f"/api/datasets/{upload.json()['dataset_id']}").status_code == 200
            # The step in progress carries on after the restart, with the same batch.
            assert client.post(f"{url}/loss", json={}).status_code == 200
    finally:
        stop_server(server)


def test_concurrent_steps_never_lose_an_update(live_server: LiveServer) -> None:
    net = httpx.post(f"{live_server}/api/networks", json=MOONS).json()
    url = f"{live_server}/api/networks/{net['id']}/step"
    threads, per_thread = 12, 5
    statuses: list[int] = []

    def work() -> None:
        with httpx.Client(timeout=60) as client:
            for _ in range(per_thread):
                statuses.append(client.post(url, json={}).status_code)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert statuses == [200] * (threads * per_thread)
    final = httpx.get(f"{live_server}/api/networks/{net['id']}").json()
    assert final["step"] == threads * per_thread
    steps = httpx.get(f"{live_server}/api/networks/{net['id']}/history").json()["steps"]
    assert [s["step"] for s in steps] == list(range(1, threads * per_thread + 1))


def read_events(response: httpx.Response):
    kind = None
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line[len("event: ") :]
        elif line.startswith("data: "):
            yield kind, json.loads(line[len("data: ") :])


def test_streamed_training_stops_on_request(live_server: LiveServer) -> None:
    net = httpx.post(f"{live_server}/api/networks", json=SLOW_TRAIN).json()
    url = f"{live_server}/api/networks/{net['id']}"
    with httpx.Client(timeout=60) as client:
        with client.stream("POST", f"{url}/train", json={"epochs": 5000, "stream": True}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            events = read_events(response)
            kind, first = next(events)
            assert kind == "epoch" and first["epoch"] == 1
            stop = client.post(f"{url}/stop")
            assert stop.status_code == 200
            assert stop.json() == {"stopping": True}
            rest = list(events)
    kind, done = rest[-1]
    assert kind == "done"
    assert done["stopped_early"] is False and 1 <= done["epochs_run"] < 5000
    assert [k for k, _ in rest[:-1]] == ["epoch"] * (done["epochs_run"] - 1)
    assert httpx.get(url).json()["epoch"] == done["epochs_run"] == done["network"]["epoch"]
    assert httpx.post(f"{url}/stop").json() == {"stopping": False}


def test_closing_the_stream_stops_training_and_keeps_its_progress(live_server: LiveServer) -> None:
    net = httpx.post(f"{live_server}/api/networks", json=SLOW_TRAIN).json()
    url = f"{live_server}/api/networks/{net['id']}"
    with httpx.Client(timeout=60) as client:
        with client.stream("POST", f"{url}/train", json={"epochs": 5000, "stream": True}) as response:
            kind, _ = next(read_events(response))
            assert kind == "epoch"
    # The worker notices the closed stream after its current epoch, saves, and frees the network.
    started = time.monotonic()
    response = httpx.post(f"{url}/step", json={}, timeout=60)
    assert response.status_code == 200
    assert time.monotonic() - started < 30
    state = httpx.get(url).json()
    assert 1 <= state["epoch"] < 5000


def test_example_script_reproduces_the_worked_example(live_server: LiveServer) -> None:
    result = subprocess.run(
        [sys.executable, "examples/mazur_worked_example.py", live_server.url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "E = 0.298371109" in result.stdout
    assert "w5 = 0.35891648" in result.stdout and "w1 = 0.149780716" in result.stdout


def test_cli_serve_with_db_and_limits(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    server = serve(tmp_path, "--max-layers", "3", db=db)
    try:
        base = server.url
        assert httpx.get(f"{base}/api/catalog").json()["limits"]["max_layers"] == 3
        response = httpx.post(f"{base}/api/networks", json={"layers": [2, 2, 2, 2, 1]})
        assert response.status_code == 413
        assert httpx.post(f"{base}/api/networks", json={"layers": [2, 1]}).status_code == 201
        assert db.exists()
        assert httpx.get(f"{base}/").status_code == 200
    finally:
        server.stop()
    assert "warning" not in server.output.lower()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("192.168.1.5", False)],
)
def test_only_loopback_hosts_are_quiet(host: str, loopback: bool) -> None:
    from backprop_explorer.app.cli import is_loopback

    assert is_loopback(host) is loopback
