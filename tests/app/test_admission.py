"""Per-network admission against a real uvicorn process: a busy network freezes nothing else."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from backprop_explorer.app.admission import locking_request

from tests.conftest import LiveServer, start_server, stop_server

from .conftest import MOONS

# 10,000 epochs of 800 single-sample updates: minutes of training, a fraction of a second per
# epoch (a stop takes effect after the current epoch).
LONG_RUN = {
    **MOONS,
    "layers": [2, 16, 16, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "data": {"generator": "moons", "n": 1000, "noise": 0.1, "seed": 3},
    "batch_size": 1,
    "validation_split": 0.2,
}
# One epoch of 8,000 single-sample updates on a wide network: seconds (~2.5 s here;
# 2-64-64-1 took 0.3 s once the SGD kernel got faster, too short to queue requests behind).
LONG_EPOCH = {
    **LONG_RUN,
    "layers": [2, 200, 200, 200, 1],
    "activations": ["tanh", "tanh", "tanh", "sigmoid"],
    "data": {**LONG_RUN["data"], "n": 10_000},
}
PROMPT = 1.0  # seconds: what "answers promptly" means on a loaded 2-core machine


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path / "admission.db")
    try:
        yield server
    finally:
        stop_server(server)


def timed(client: httpx.Client, method: str, url: str, **kwargs) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.request(method, url, **kwargs)
    return response, time.monotonic() - started


def assert_prompt(client: httpx.Client, other: str, within: float = PROMPT) -> None:
    """Health, the page, a static file and another network all answer within ``within`` s."""
    for method, url, kwargs in (
        ("GET", "/api/health", {}),
        ("GET", "/", {}),
        ("GET", "/static/css/app.css", {}),
        ("GET", f"/api/networks/{other}", {}),
        ("POST", f"/api/networks/{other}/step", {"json": {}}),
    ):
        response, elapsed = timed(client, method, url, **kwargs)
        assert response.status_code == 200, (url, response.text)
        assert elapsed < within, f"{method} {url} took {elapsed:.2f} s"


def start_streamed_train(base: str, network_id: str) -> tuple[threading.Thread, dict, threading.Event]:
    """Run `train {"epochs": 10000}` streamed in a thread; the event is set at the first epoch."""
    started, outcome = threading.Event(), {}

    def run() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            with client.stream(
                "POST", f"/api/networks/{network_id}/train", json={"epochs": 10_000, "stream": True}
            ) as response:
                outcome["status"] = response.status_code
                for line in response.iter_lines():
                    if line.startswith("event: epoch"):
                        started.set()
                    if line.startswith("event: done"):
                        outcome["done_at"] = time.monotonic()
                    if line.startswith("data:") and "done_at" in outcome and "done" not in outcome:
                        outcome["done"] = line
        started.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome, started


def test_requests_queued_on_a_training_network_freeze_nothing(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        busy = client.post("/api/networks", json=LONG_RUN).json()["id"]
        other = client.post("/api/networks", json=MOONS).json()["id"]
        thread, outcome, started = start_streamed_train(server.url, busy)
        assert started.wait(60), "the train never reported an epoch"
        assert outcome["status"] == 200

        # Forty more requests on the busy network, all at once, as the issue describes.
        def hit(path: str) -> tuple[int, float, dict]:
            with httpx.Client(base_url=server.url, timeout=30) as c:
                response, elapsed = timed(c, "POST", f"/api/networks/{busy}/{path}", json={})
                return response.status_code, elapsed, response.json()

        paths = ["step", "epoch", "forward", "train"] * 10
        with ThreadPoolExecutor(max_workers=40) as pool:
            answers = list(pool.map(hit, paths))
        assert {status for status, _, _ in answers} == {409}
        assert all("stop" in body["detail"] for _, _, body in answers)
        assert {body["code"] for _, _, body in answers} == {"network_training"}
        assert max(elapsed for _, elapsed, _ in answers) < 5 * PROMPT

        assert_prompt(client, other)
        # Reads of the busy network itself answer too (they take no lock).
        response, elapsed = timed(client, "GET", f"/api/networks/{busy}")
        assert response.status_code == 200 and elapsed < PROMPT

        response, _ = timed(client, "POST", f"/api/networks/{busy}/stop", json={})
        assert response.status_code == 200 and response.json() == {"stopping": True}
        asked = time.monotonic()
        thread.join(30)
        assert "done_at" in outcome, "the stream never finished"
        assert outcome["done_at"] - asked < 2.0, f"stop took {outcome['done_at'] - asked:.2f} s"
        # The network is free again, with the epochs it completed.
        stepped = client.post(f"/api/networks/{busy}/step", json={})
        assert stepped.status_code == 200
        assert client.get(f"/api/networks/{busy}").json()["epoch"] >= 1


def test_the_wait_queue_is_bounded_and_served_in_turn(tmp_path: Path) -> None:
    server = start_server(tmp_path / "queue.db", env={"BACKPROP_EXPLORER_MAX_WAITING_REQUESTS": "4"})
    try:
        check_the_queue(server)
    finally:
        stop_server(server)


def check_the_queue(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        busy = client.post("/api/networks", json=LONG_EPOCH).json()["id"]
        other = client.post("/api/networks", json=MOONS).json()["id"]
        # An epoch takes seconds: the steps sent meanwhile queue behind it.
        epoch_done = {}

        def run_epoch() -> None:
            with httpx.Client(base_url=server.url, timeout=120) as c:
                epoch_done["response"] = c.post(f"/api/networks/{busy}/epoch", json={})

        epoch_thread = threading.Thread(target=run_epoch, daemon=True)
        epoch_thread.start()
        time.sleep(0.3)

        def step(_: int) -> tuple[int, float, dict]:
            with httpx.Client(base_url=server.url, timeout=120) as c:
                response, elapsed = timed(c, "POST", f"/api/networks/{busy}/step", json={})
                return response.status_code, elapsed, response.json()

        with ThreadPoolExecutor(max_workers=40) as pool:
            futures = [pool.submit(step, i) for i in range(40)]
            time.sleep(0.5)
            # While four steps wait and the epoch runs. A wide epoch computes in this very
            # process (it holds the GIL most of the time), so allow more than PROMPT here: a
            # frozen server would not answer at all (the client's 60 s timeout).
            assert_prompt(client, other, within=5 * PROMPT)
            answers = [f.result() for f in futures]
        epoch_thread.join(120)
        assert epoch_done["response"].status_code == 200
        statuses = [status for status, _, _ in answers]
        assert statuses.count(200) == 4 and statuses.count(429) == 36
        refused = [(elapsed, body) for status, elapsed, body in answers if status == 429]
        assert all("max_waiting_requests=4" in body["detail"] for _, body in refused)
        assert {body["code"] for _, body in refused} == {"network_busy"}
        assert max(elapsed for elapsed, _ in refused) < 5 * PROMPT
        net = client.get(f"/api/networks/{busy}").json()
        assert net["step"] == epoch_done["response"].json()["network"]["step"] + 4


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/api/networks/abc/step", ("abc", "step")),
        ("POST", "/api/networks/abc/train", ("abc", "train")),
        ("PATCH", "/api/networks/abc", ("abc", "")),
        ("DELETE", "/api/networks/abc/", ("abc", "")),
        ("PUT", "/api/networks/abc/parameters", ("abc", "parameters")),
        ("POST", "/api/networks/abc/stop", None),
        ("POST", "/api/networks/abc/predict", None),
        ("GET", "/api/networks/abc/history", None),
        ("POST", "/api/networks/import", None),
        ("POST", "/api/networks", None),
        ("GET", "/api/health", None),
    ],
)
def test_which_requests_take_a_turn(method: str, path: str, expected: tuple | None) -> None:
    assert locking_request(method, path) == expected
