"""API benchmarks against a real uvicorn server on loopback (not part of the test run).

1. ``/step`` latency for a small network: p50 and p95 over many sequential requests.
2. ``/train`` through the API against ``engine.train`` called directly on the same work
   (same data, parameters, optimizer and epochs), best of 5 each: the ratio is the API's
   overhead (target ≤ 1.10). Run it on a quiet machine: other load makes both numbers noisy.

    python bench/bench_api.py [--steps 500] [--epochs 50] [--n 1000]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_explorer import engine  # noqa: E402


def start_server(db: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "BACKPROP_EXPLORER_DB": str(db)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "backprop_explorer.app.main:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/api/health").status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the server did not start")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def bench_step(client: httpx.Client, steps: int) -> None:
    spec = {
        "layers": [2, 4, 1],
        "activations": ["tanh", "sigmoid"],
        "loss": "bce",
        "data": {"generator": "moons", "n": 200, "seed": 1},
        "batch_size": 8,
    }
    url = f"/api/networks/{client.post('/api/networks', json=spec).json()['id']}"
    for _ in range(50):  # warm-up
        client.post(f"{url}/step", json={})
    for name, path in (("step", "step"), ("forward", "forward")):
        times = []
        for _ in range(steps):
            started = time.perf_counter()
            response = client.post(f"{url}/{path}", json={})
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
        print(
            f"/{name:8s} 2-4-1, batch 8: p50 {percentile(times, 50):6.2f} ms   "
            f"p95 {percentile(times, 95):6.2f} ms   ({steps} sequential requests)"
        )


def bench_train(client: httpx.Client, epochs: int, n: int, repeats: int = 5) -> None:
    spec = {
        "layers": [2, 8, 8, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
        "loss": "bce",
        "learning_rate": 0.1,
        "data": {"generator": "moons", "n": n, "noise": 0.1, "seed": 1},
        "batch_size": 10,
        "validation_split": 0.2,
        "seed": 0,
    }
    api_times, engine_times = [], []
    for _ in range(repeats):
        net = client.post("/api/networks", json=spec).json()
        started = time.perf_counter()
        response = client.post(f"/api/networks/{net['id']}/train", json={"epochs": epochs}, timeout=600)
        api_times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        api_history = response.json()["history"]

        # The same work on the engine alone, from the same initial parameters.
        started = time.perf_counter()
        dataset = engine.generate("moons", np.random.default_rng(1), n=n, noise=0.1)
        layers = [
            engine.Layer(np.array(W), np.array(b), act)
            for W, b, act in zip(
                net["parameters"]["weights"], net["parameters"]["biases"], spec["activations"], strict=True
            )
        ]
        enet = engine.Network(layers, "bce")
        trainer = engine.Trainer(dataset, batch_size=10, validation_split=0.2, seed=0)
        result = engine.train(enet, engine.Optimizer("sgd", 0.1), trainer, epochs)
        engine_times.append(time.perf_counter() - started)
        assert result.history == api_history, "the API and the engine disagree"
    api, eng = min(api_times), min(engine_times)
    updates = epochs * -(-int(n * 0.8) // 10)
    print(
        f"/train   2-8-8-1, {n} samples, batch 10, {epochs} epochs ({updates} updates): "
        f"API {api * 1000:.0f} ms, engine {eng * 1000:.0f} ms, ratio {api / eng:.3f} "
        f"(best of {repeats}; target ≤ 1.10)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        process, base = start_server(Path(tmp) / "bench.db")
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                bench_step(client, args.steps)
                bench_train(client, args.epochs, args.n)
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
