"""The heavy loads of a class server, for the tests and for bench/bench_stalls.py: many
CPU-heavy requests from one owner, while another owner's health checks, page loads and
``/stop`` are timed."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

HEAVY = {"X-Owner-Key": "heavy-owner-0123456789"}
LIGHT = {"X-Owner-Key": "light-owner-0123456789"}
SMALL = {
    "layers": [2, 4, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "data": {"generator": "moons", "n": 200, "seed": 1},
}
LANDSCAPE_NET = {
    **SMALL,
    "layers": [2, 8, 8, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "data": {"generator": "moons", "n": 100, "seed": 1},
}
EPOCH_NET = {
    **LANDSCAPE_NET,
    "layers": [2, 32, 32, 1],
    "batch_size": 1,
    "data": {"generator": "moons", "n": 1000},
}
REPLAY_NET = {**EPOCH_NET, "data": {"generator": "moons", "n": 2000, "seed": 1}}
LANDSCAPE = {
    "parameters": [{"layer": 1, "name": "W", "index": [0, 0]}, {"layer": 2, "name": "W", "index": [0, 0]}],
    "radius": 1.0,
    "points": 101,
}
Request = tuple[str, str, dict | None]


def landscapes(client: httpx.Client, count: int) -> list[Request]:
    """``count`` loss landscapes over two parameters, 101 × 101 points, on one network."""
    net = client.post("/api/networks", json=LANDSCAPE_NET).json()["id"]
    return [("POST", f"/api/networks/{net}/landscape", LANDSCAPE)] * count


def epochs(client: httpx.Client, count: int) -> list[Request]:
    """One epoch of 1,000 single-sample updates on each of ``count`` networks."""
    ids = [client.post("/api/networks", json=EPOCH_NET).json()["id"] for _ in range(count)]
    return [("POST", f"/api/networks/{i}/epoch", {}) for i in ids]


def previews(client: httpx.Client, count: int) -> list[Request]:
    """``count`` previews of updates made inside one ``/train`` run: each replays updates."""
    net = client.post("/api/networks", json=REPLAY_NET).json()["id"]
    trained = client.post(f"/api/networks/{net}/train", json={"epochs": 1}, timeout=300)
    assert trained.status_code == 200, trained.text
    last = trained.json()["network"]["step"]
    return [("GET", f"/api/networks/{net}/snapshots/step/{last - 1 - 20 * i}", None) for i in range(count)]


SCENARIOS: dict[str, Callable[[httpx.Client, int], list[Request]]] = {
    "landscapes": landscapes,
    "epochs": epochs,
    "previews": previews,
}


@dataclass
class Outcome:
    seconds: float
    answers: list[httpx.Response]
    # What the other owner saw meanwhile: seconds per probe, by what was asked.
    probes: dict[str, list[float]] = field(default_factory=dict)

    def worst(self, what: str) -> float:
        return max(self.probes[what])

    def median(self, what: str) -> float:
        return statistics.median(self.probes[what])


def run(base: str, requests: list[Request], probe_every: float = 0.1) -> Outcome:
    """Send ``requests`` at once as the heavy owner; meanwhile, as another owner, time health,
    the page, a static file and ``/stop`` of its own network, until the last answer."""
    light = httpx.Client(base_url=base, timeout=60, headers=LIGHT)
    other = light.post("/api/networks", json=SMALL).json()["id"]
    probes: dict[str, list[float]] = {"health": [], "page": [], "static": [], "stop": []}
    asks = {
        "health": ("GET", "/api/health"),
        "page": ("GET", "/"),
        "static": ("GET", "/static/js/api.js"),
        "stop": ("POST", f"/api/networks/{other}/stop"),
    }
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            for what, (method, path) in asks.items():
                started = time.perf_counter()
                response = light.request(method, path)
                probes[what].append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.text)
            time.sleep(probe_every)

    # One client per request, made before the clock starts: making one (its TLS context) takes
    # this process's interpreter for milliseconds, which the probes would count.
    clients = [httpx.Client(base_url=base, timeout=600, headers=HEAVY) for _ in requests]

    def send(job: tuple[httpx.Client, Request]) -> httpx.Response:
        client, (method, path, body) = job
        return client.request(method, path, json=body)

    prober = threading.Thread(target=probe, daemon=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(send, job) for job in zip(clients, requests, strict=True)]
        time.sleep(0.3)  # the heavy requests are in before the first probe
        prober.start()
        answers = [f.result() for f in futures]
    seconds = time.perf_counter() - started
    done.set()
    prober.join()
    for client in (light, *clients):
        client.close()
    return Outcome(seconds, answers, probes)
