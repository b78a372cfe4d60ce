"""API benchmarks against a real uvicorn server on loopback (not part of the test run).

1. ``/step`` latency for a small network: p50 and p95 over many sequential requests.
2. ``/step`` p50 with 10 and with 10,000 explicit data rows, against a FastAPI hello-world
   POST served by uvicorn in the same run: the ratio is what a step costs beyond HTTP itself
   (goal ≤ 1.5×; the data-size ratio shows whether the data travels with every step).
3. ``/step`` p50 on a network after 3,000 epochs of ``/train`` against a fresh one: a step's
   cost must not grow with the history (goal ≈ 1).
4. ``/train`` through the API against ``engine.train`` called directly on the same work
   (same data, parameters, optimizer and epochs), best of 5 each: the ratio is the API's
   overhead (target ≤ 1.10). Run it on a quiet machine: other load makes both numbers noisy.
5. ``/train`` against bench_engine's bare NumPy loop (forward, backward, update only) on
   issue 8's work: 2-8-8-1 tanh, square loss, SGD, batch 10, 1,000 samples; interleaved,
   best of each (target ≤ 1.0×). Both are wall-clock times; the API's is the client's, HTTP
   included.

    python bench/bench_api.py [--steps 500] [--epochs 50] [--n 1000] [--only step-size|step-history]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_explorer import engine  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_engine import BARE_LR, N, bare_setup, run_bare  # noqa: E402

HELLO_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/health")
def health() -> dict:
    return {"status": "ok"}


@app.post("/hello")
def hello(body: dict) -> dict:
    return {"hello": "world"}
"""


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


def p50_of(client: httpx.Client, path: str, body: dict, requests: int) -> float:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.post(path, json=body)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return percentile(times, 50)


def bench_step_by_data_size(client: httpx.Client, hello: httpx.Client, steps: int) -> None:
    """/step on a 2-4-1 network whose data is 10 or 10,000 explicit rows, beside hello-world."""
    rng = np.random.default_rng(0)
    urls = {}
    for rows in (10, 10_000):
        X = rng.normal(size=(rows, 2))
        data = {"inputs": X.round(6).tolist(), "targets": (X[:, :1] * X[:, 1:] > 0).astype(float).tolist()}
        spec = {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "data": data}
        response = client.post("/api/networks", json={**spec, "batch_size": 8})
        assert response.status_code == 201, response.text
        urls[rows] = f"/api/networks/{response.json()['id']}/step"
    for url in urls.values():
        p50_of(client, url, {}, 30)  # warm-up (and the first load of the data)
    p50_of(hello, "/hello", {}, 30)
    # Interleaved rounds, so a burst of load from elsewhere hits every side alike.
    results: dict[str, list[float]] = {"hello": [], "10": [], "10000": []}
    rounds = 5
    for _ in range(rounds):
        results["hello"].append(p50_of(hello, "/hello", {}, steps // rounds))
        for rows, url in urls.items():
            results[str(rows)].append(p50_of(client, url, {}, steps // rounds))
    hello_p50 = float(np.median(results["hello"]))
    print(f"hello-world POST:              p50 {hello_p50:6.2f} ms")
    for rows in urls:
        p50 = float(np.median(results[str(rows)]))
        print(
            f"/step 2-4-1, {rows:6d} data rows: p50 {p50:6.2f} ms   "
            f"{p50 / hello_p50:4.2f}× hello-world (goal ≤ 1.5×)"
        )
    ratio = float(np.median(results["10000"])) / float(np.median(results["10"]))
    print(f"/step with 10,000 rows ÷ with 10 rows: {ratio:.2f} (goal ≈ 1)")


def bench_step_after_training(client: httpx.Client, steps: int, epochs: int = 3_000) -> None:
    """/step on a network that has trained ``epochs`` epochs (each one a timeline snapshot)
    against the same network fresh: a step must not grow slower with a network's history."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 2))
    data = {"inputs": X.round(6).tolist(), "targets": (X[:, :1] * X[:, 1:] > 0).astype(float).tolist()}
    spec = {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "data": data}
    urls = {}
    for name in ("fresh", "trained"):
        response = client.post("/api/networks", json={**spec, "batch_size": 8})
        assert response.status_code == 201, response.text
        urls[name] = f"/api/networks/{response.json()['id']}"
    trained = client.post(f"{urls['trained']}/train", json={"epochs": epochs}, timeout=600)
    assert trained.status_code == 200, trained.text
    results: dict[str, list[float]] = {name: [] for name in urls}
    rounds = 5
    for _ in range(rounds):  # interleaved, as above
        for name, url in urls.items():
            results[name].append(p50_of(client, f"{url}/step", {}, steps // rounds))
    fresh, after = (float(np.median(results[name])) for name in ("fresh", "trained"))
    print(
        f"/step 2-4-1 after {epochs:,} epochs: p50 {after:6.2f} ms, fresh network {fresh:6.2f} ms: "
        f"ratio {after / fresh:.2f} (goal ≈ 1)"
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


def bench_train_vs_bare(client: httpx.Client, epochs: int = 20, rounds: int = 11) -> None:
    """/train on the bare loop's work, from the same initial parameters and data."""
    data, net = bare_setup()
    spec = {
        "layers": net.sizes,
        "activations": [layer.activation for layer in net.layers],
        "loss": "half_sse",
        "learning_rate": BARE_LR,
        "data": {"inputs": data.X.tolist(), "targets": data.Y.tolist()},
        "batch_size": 10,
        "validation_split": 0.0,
    }
    parameters = {
        "weights": [layer.W.tolist() for layer in net.layers],
        "biases": [layer.b.tolist() for layer in net.layers],
    }
    api_times, bare_times = [], []
    for _ in range(rounds):
        created = client.post("/api/networks", json=spec)
        assert created.status_code == 201, created.text
        url = f"/api/networks/{created.json()['id']}"
        client.put(f"{url}/parameters", json=parameters).raise_for_status()
        started = time.perf_counter()
        response = client.post(f"{url}/train", json={"epochs": epochs}, timeout=600)
        api_times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        bare_times.append(run_bare(epochs, timer=time.perf_counter)[0])
        client.delete(url)
    api, bare = min(api_times), min(bare_times)
    updates = epochs * N // 10
    print(
        f"/train   2-8-8-1 tanh, square loss, {N} samples, batch 10, {epochs} epochs ({updates} updates): "
        f"API {api * 1000:.1f} ms, bare NumPy loop {bare * 1000:.1f} ms, ratio {api / bare:.2f}x "
        f"(best of {rounds}; target <= 1.00x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument(
        "--only", choices=["step", "step-size", "step-history", "train"], help="run one benchmark"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "hello_app.py").write_text(HELLO_APP)
        server = start_server(Path(tmp) / "bench.db")
        hello_server = start_server(Path(tmp) / "hello.db", app="hello_app:app", app_dir=Path(tmp))
        base, hello_base = server.url, hello_server.url
        try:
            with (
                httpx.Client(base_url=base, timeout=60) as client,
                httpx.Client(base_url=hello_base, timeout=60) as hello,
            ):
                if args.only in (None, "step"):
                    bench_step(client, args.steps)
                if args.only in (None, "step-size"):
                    bench_step_by_data_size(client, hello, args.steps)
                if args.only in (None, "step-history"):
                    bench_step_after_training(client, args.steps)
                if args.only in (None, "train"):
                    bench_train(client, args.epochs, args.n)
                    bench_train_vs_bare(client)
        finally:
            stop_server(server)
            stop_server(hello_server)


if __name__ == "__main__":
    main()
