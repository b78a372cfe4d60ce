"""Each kind of request's memory on a real server, beside what the gate reserves for it.

Each case runs on a fresh server (a process keeps the heap a request freed, so a second case
on the same one would look smaller): its network is made, the peak resident memory reset
(``/proc/<pid>/clear_refs``), the request sent, and the growth of the peak over the memory
before printed beside the estimate of ``app/costs.py`` for the same shapes (the figure the
gate holds while it runs). An estimate must be at least the growth: the ratio stays below 1.

    python bench/bench_costs.py [--cases step,epoch,predict,gradcheck,landscape,upload,data,export,preview]

Linux only (it reads /proc). Not part of the test run; tests/app/test_class_server.py checks
the peak of a server under twice the concurrency its budget allows.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backprop_explorer.app import costs  # noqa: E402
from backprop_explorer.app.config import Limits  # noqa: E402
from backprop_explorer.app.networks.analysis import CHUNK_VALUES  # noqa: E402

from tests.conftest import start_server, stop_server  # noqa: E402

# The widest network the default limits allow (99,585 parameters, 641 neurons) and the deepest.
WIDE = [2, 256, 256, 128, 1]
DEEP = [2] + [100] * 9 + [1]


def status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def params(layers: list[int]) -> int:
    return sum(a * b + b for a, b in zip(layers, layers[1:]))


def spec(layers: list[int], n: int, batch: int, optimizer: str = "sgd") -> dict:
    return {
        "layers": layers,
        "activations": ["tanh"] * (len(layers) - 2) + ["sigmoid"],
        "loss": "bce",
        "optimizer": {"name": optimizer},
        "data": {"generator": "moons", "n": n, "seed": 1},
        "batch_size": batch,
        "validation_split": 0.0,
    }


def shape(layers: list[int], n: int, batch: int, optimizer: str = "sgd") -> costs.Shape:
    slots = {"sgd": 0, "momentum": 1}.get(optimizer, 2)
    return costs.Shape(tuple(layers), params(layers), slots, n, batch)


class Server:
    def __init__(self, folder: Path) -> None:
        self.server = start_server(
            folder / "costs.db", env={"BACKPROP_EXPLORER_MAX_MEMORY_BYTES": "100000000000"}
        )
        self.http = httpx.Client(base_url=self.server.url, timeout=900)
        self.pid = self.server.process.pid

    def measure(self, method: str, path: str, **kwargs) -> tuple[int, int, float]:
        """(status, growth of the peak resident memory in bytes, seconds)."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        before = status_kb(self.pid, "VmRSS")
        started = time.perf_counter()
        response = self.http.request(method, path, **kwargs)
        seconds = time.perf_counter() - started
        return response.status_code, status_kb(self.pid, "VmHWM") - before, seconds

    def close(self) -> None:
        self.http.close()
        stop_server(self.server)


def report(label: str, result: tuple[int, int, float], estimate: int) -> None:
    status, growth, seconds = result
    print(
        f"{label:48s} {status:3d} {seconds:6.1f} s  grew {growth / 1e6:7.1f} MB  "
        f"estimate {estimate / 1e6:7.1f} MB  ratio {growth / estimate:4.2f}",
        flush=True,
    )


def create(server: Server, body: dict) -> str:
    response = server.http.post("/api/networks", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def case(folder: Path, label: str, estimate: int, prepare, method: str, path: str, **kwargs) -> None:
    """Run one request on a fresh server: ``prepare(server)`` returns the values ``path`` needs."""
    server = Server(folder)
    try:
        values = prepare(server)
        report(label, server.measure(method, path.format(**values), **kwargs), estimate)
    finally:
        server.close()


def csv_text(rows: int, columns: int) -> bytes:
    table = np.random.default_rng(1).uniform(0, 1, (rows, columns)).round(5)
    text = io.StringIO()
    text.write(",".join(f"c{i}" for i in range(columns)) + "\n")
    np.savetxt(text, table, fmt="%.5f", delimiter=",")
    return text.getvalue().encode()


def run(cases: list[str]) -> None:
    limits = Limits()
    trace_rows = limits.max_trace_samples
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "step" in cases:
            for layers in (WIDE, DEEP):
                for batch in (1_000, 10_000):
                    case(
                        folder,
                        f"step {layers[1]}-wide x{len(layers) - 2}, batch {batch}",
                        costs.trace(shape(layers, 10_000, batch), batch, min(batch, trace_rows)),
                        lambda s, layers=layers, batch=batch: {"id": create(s, spec(layers, 10_000, batch))},
                        "POST",
                        "/api/networks/{id}/step",
                        json={},
                    )
        if "epoch" in cases:
            for layers, batch in ((WIDE, 10_000), (WIDE, 100), (DEEP, 1_000)):
                case(
                    folder,
                    f"epoch {layers[1]}-wide x{len(layers) - 2}, batch {batch}, adam",
                    costs.epoch(shape(layers, 10_000, batch, "adam")),
                    lambda s, layers=layers, batch=batch: {
                        "id": create(s, spec(layers, 10_000, batch, "adam"))
                    },
                    "POST",
                    "/api/networks/{id}/epoch",
                    json={},
                )
        if "predict" in cases:
            sh = shape(DEEP, 200, 10)
            rows = limits.max_predict_values // sh.neurons
            inputs = np.random.default_rng(0).uniform(-1, 1, (rows, 2)).round(6).tolist()
            make = lambda s: {"id": create(s, spec(DEEP, 200, 10))}  # noqa: E731
            case(
                folder,
                f"predict {rows} rows (float answer)",
                costs.body(len(str(inputs))) + costs.predict(sh, rows, CHUNK_VALUES, maps=False),
                make,
                "POST",
                "/api/networks/{id}/predict",
                json={"inputs": inputs},
            )
            grid = limits.max_grid_resolution
            case(
                folder,
                f"predict grid {grid}x{grid}, uint8 maps",
                costs.predict(sh, grid * grid, CHUNK_VALUES, maps=True),
                make,
                "POST",
                "/api/networks/{id}/predict",
                json={"grid": {"resolution": grid}, "maps": "uint8"},
            )
        if "gradcheck" in cases:
            layers = [2, 64, 64, 1]
            case(
                folder,
                "gradcheck 2-64-64-1, batch 20",
                costs.gradcheck(shape(layers, 10_000, 20), 20),
                lambda s: {"id": create(s, spec(layers, 10_000, 20))},
                "POST",
                "/api/networks/{id}/gradcheck",
                json={},
            )
        if "landscape" in cases:
            layers = [2, 16, 16, 1]
            body = {
                "parameters": [
                    {"layer": 1, "name": "W", "index": [0, 0]},
                    {"layer": 2, "name": "W", "index": [0, 0]},
                ],
                "points": 41,
            }
            case(
                folder,
                "landscape 2-16-16-1, 500 samples, 41x41",
                costs.landscape(shape(layers, 500, 10), 500, 41 * 41),
                lambda s: {"id": create(s, spec(layers, 500, 10))},
                "POST",
                "/api/networks/{id}/landscape",
                json=body,
            )
        if "upload" in cases:
            for columns in (2, 100, 1000):
                rows = min(10_000, limits.max_upload_bytes // (columns * 9))
                raw = csv_text(rows, columns)
                case(
                    folder,
                    f"upload {len(raw) / 1e6:.1f} MB CSV, {columns} columns",
                    costs.body(len(raw)) + costs.upload(len(raw)),
                    lambda s: {},
                    "POST",
                    "/api/datasets",
                    files={"file": ("t.csv", raw)},
                )
        if "data" in cases:
            columns, rows = 100, 8_000
            raw = csv_text(rows, columns)
            layers = [columns - 1, 4, 1]

            def upload_and_build(s: Server) -> dict:
                answer = s.http.post("/api/datasets", files={"file": ("t.csv", raw)})
                dataset = answer.json()["dataset_id"]
                return {"id": create(s, {**spec(layers, rows, 10), "data": {"dataset_id": dataset}})}

            case(
                folder,
                f"GET data of a {rows}x{columns} upload",
                costs.rows(shape(layers, rows, 10), rows, 2 * (columns - 1) + 1),
                upload_and_build,
                "GET",
                "/api/networks/{id}/data",
            )
        if "preview" in cases:
            layers = [2, 64, 64, 1]

            def trained(s: Server) -> dict:
                net = create(s, spec(layers, 10_000, 1, "adam"))
                assert s.http.post(f"/api/networks/{net}/epoch", json={}).status_code == 200
                return {"id": net}

            case(
                folder,
                "preview a step inside an epoch (replay), 2-64-64-1 batch 1",
                costs.epoch(shape(layers, 10_000, 1, "adam")),
                trained,
                "GET",
                "/api/networks/{id}/snapshots/step/9500",
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="step,epoch,predict,gradcheck,landscape,upload,data,preview")
    run(parser.parse_args().cases.split(","))


if __name__ == "__main__":
    main()
