"""How long health and `/stop` take while many CPU-heavy requests run, on a real server.

Each scenario starts a fresh server, fires 40 heavy requests at once from one client, and
meanwhile asks ``GET /api/health`` and ``POST …/stop`` (on a network of another client) every
0.2 s; it prints the slowest and median answer of each, and how the 40 requests ended
(status codes). The heavy requests:

- ``landscape``: 40 loss landscapes over two parameters at 101 points per axis, on one network;
- ``epochs``: one epoch on each of 40 networks;
- ``previews``: 40 previews of updates made inside one ``/train`` run (each replays updates).

    python bench/bench_stalls.py [--scenarios landscape,epochs,previews] [--count 40]

Not part of the test run (tests/app/test_class_server.py asserts the bound, generously).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server, stop_server  # noqa: E402

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
    "data": {"generator": "moons", "n": 300, "seed": 1},
}
EPOCH_NET = {**LANDSCAPE_NET, "layers": [2, 32, 32, 1], "batch_size": 1,
             "data": {"generator": "moons", "n": 1000, "seed": 1}}
REPLAY_NET = {**EPOCH_NET, "data": {"generator": "moons", "n": 2000, "seed": 1}}


def landscape_requests(client: httpx.Client, count: int) -> list[tuple[str, str, dict]]:
    net = client.post("/api/networks", json=LANDSCAPE_NET).json()["id"]
    body = {
        "parameters": [{"layer": 1, "name": "W", "index": [0, 0]}, {"layer": 2, "name": "W", "index": [0, 0]}],
        "radius": 1.0,
        "points": 101,
    }
    return [("POST", f"/api/networks/{net}/landscape", body)] * count


def epoch_requests(client: httpx.Client, count: int) -> list[tuple[str, str, dict]]:
    ids = [client.post("/api/networks", json=EPOCH_NET).json()["id"] for _ in range(count)]
    return [("POST", f"/api/networks/{i}/epoch", {}) for i in ids]


def preview_requests(client: httpx.Client, count: int) -> list[tuple[str, str, dict]]:
    net = client.post("/api/networks", json=REPLAY_NET).json()["id"]
    trained = client.post(f"/api/networks/{net}/train", json={"epochs": 1}, timeout=300)
    assert trained.status_code == 200, trained.text
    last = trained.json()["network"]["step"]
    steps = [last - 1 - i * max(1, last // (2 * count)) for i in range(count)]
    return [("GET", f"/api/networks/{net}/snapshots/step/{s}", {}) for s in steps]


SCENARIOS = {"landscape": landscape_requests, "epochs": epoch_requests, "previews": preview_requests}


def run(name: str, count: int, env: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "stalls.db", env=env)
        try:
            return measure(server.url, name, count)
        finally:
            stop_server(server)


def measure(base: str, name: str, count: int) -> dict:
    heavy = httpx.Client(base_url=base, timeout=600, headers={"X-Owner-Key": "bench-heavy-owner-key"})
    light = httpx.Client(base_url=base, timeout=600, headers={"X-Owner-Key": "bench-light-owner-key"})
    other = light.post("/api/networks", json=SMALL).json()["id"]
    requests = SCENARIOS[name](heavy, count)
    done = threading.Event()
    health: list[float] = []
    stops: list[float] = []

    def probe() -> None:
        while not done.is_set():
            for sink, method, path in ((health, "GET", "/api/health"), (stops, "POST", f"/api/networks/{other}/stop")):
                started = time.perf_counter()
                response = light.request(method, path)
                sink.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            time.sleep(0.2)

    def send(request: tuple[str, str, dict]) -> int:
        method, path, body = request
        with httpx.Client(base_url=base, timeout=600, headers=heavy.headers) as client:
            return client.request(method, path, json=body if method != "GET" else None).status_code

    prober = threading.Thread(target=probe, daemon=True)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(send, r) for r in requests]
        time.sleep(0.3)
        prober.start()
        statuses = [f.result() for f in futures]
    elapsed = time.perf_counter() - started
    done.set()
    prober.join()
    heavy.close()
    light.close()
    return {
        "scenario": name,
        "seconds": elapsed,
        "statuses": {s: statuses.count(s) for s in sorted(set(statuses))},
        "health_max": max(health),
        "health_p50": statistics.median(health),
        "stop_max": max(stops),
        "stop_p50": statistics.median(stops),
        "probes": len(health),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--count", type=int, default=40)
    args = parser.parse_args()
    for name in args.scenarios.split(","):
        r = run(name, args.count, {})
        print(
            f"{r['scenario']:>10}: {args.count} requests in {r['seconds']:.1f} s {r['statuses']}; "
            f"health max {1000 * r['health_max']:.0f} ms (p50 {1000 * r['health_p50']:.0f}); "
            f"stop max {1000 * r['stop_max']:.0f} ms (p50 {1000 * r['stop_p50']:.0f}); {r['probes']} probes",
            flush=True,
        )


if __name__ == "__main__":
    main()
