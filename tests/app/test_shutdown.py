"""SIGTERM during a long train: the server exits within seconds and keeps the epochs trained."""

from __future__ import annotations

import signal
import threading
import time

import httpx

from ..conftest import start_server, stop_server

# Slow enough per epoch that 10,000 epochs run far longer than the test waits.
SLOW = {
    "layers": [2, 64, 64, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "loss": "bce",
    "data": {"generator": "circles", "n": 400, "seed": 1},
    "batch_size": 4,
}


def test_sigterm_during_train_exits_quickly_and_keeps_epochs(new_database) -> None:
    db = new_database()
    server = start_server(db)
    try:
        net = httpx.post(f"{server}/api/networks", json=SLOW, timeout=30).json()
        url = f"{server}/api/networks/{net['id']}"
        answers: list[httpx.Response] = []

        def train() -> None:
            try:
                answers.append(httpx.post(f"{url}/train", json={"epochs": 10_000}, timeout=60))
            except httpx.HTTPError:
                pass

        thread = threading.Thread(target=train)
        thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the run has committed some epochs
            time.sleep(0.5)
            if len(httpx.get(f"{url}/history", timeout=30).json()["history"]) >= 2:
                break
        else:
            raise AssertionError("the run committed no epoch within 60 s")
        start = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=30)
        elapsed = time.monotonic() - start
        thread.join(timeout=30)
    finally:
        stop_server(server, signal.SIGKILL)
    assert elapsed < 5, f"the server took {elapsed:.1f} s to exit"
    if answers:  # the run's own answer, sent before the server went away
        assert answers[0].status_code == 200
        trained = answers[0].json()["epochs_run"]
        assert 2 <= trained < 10_000
    restarted = start_server(db)
    try:
        history = httpx.get(f"{restarted}/api/networks/{net['id']}/history", timeout=30).json()["history"]
        network = httpx.get(f"{restarted}/api/networks/{net['id']}", timeout=30).json()
    finally:
        stop_server(restarted)
    assert len(history) >= 2
    assert [h["epoch"] for h in history] == list(range(1, len(history) + 1))
    assert network["epoch"] == len(history)
    if answers:
        assert len(history) == trained
