"""Peak memory and payload of the heaviest predict requests, on a real uvicorn server.

Each case runs on a fresh server process, so its peak resident memory (VmHWM from
/proc/<pid>/status) is that one request's peak. Prints payload size, wall time and peak
RSS per case; the compact uint8 maps (``"maps": "uint8"``) beside the float answer for the
same grid. Not part of the test run.

    python bench/bench_memory.py [--cases maps,grid,inputs,gradcheck]
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

from tests.conftest import start_server, stop_server  # noqa: E402

MAPS_NET = [2, 64, 64, 1]  # the target: every neuron map at 100×100, ≤ 2 MB, ≤ 150 ms
# The largest network the default limits allow with the most neurons per point: 10 weight
# layers, 81,201 parameters, 901 neurons.
LARGE_NET = [2] + [100] * 9 + [1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def run_case(layers: list[int], body: dict, path: str = "predict", repeat: int = 1) -> dict:
    """One request on a fresh server: status, payload bytes, best wall time, peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp) / "bench.db")
        process, base = server.process, server.url
        try:
            spec = {"layers": layers, "activations": ["tanh"] * (len(layers) - 2) + ["sigmoid"]}
            spec["data"] = {"generator": "circles", "n": 200, "seed": 1} if layers[0] == 2 else None
            net = httpx.post(f"{base}/api/networks", json=spec, timeout=60).json()
            url = f"{base}/api/networks/{net['id']}/{path}"
            before = peak_rss_mb(process.pid)
            times, size, status = [], 0, 0
            for _ in range(repeat):
                start = time.perf_counter()
                response = httpx.post(url, json=body, timeout=600)
                times.append(time.perf_counter() - start)
                size, status = len(response.content), response.status_code
            return {
                "status": status,
                "bytes": size,
                "ms": 1000 * min(times),
                "rss_before_mb": before,
                "rss_peak_mb": peak_rss_mb(process.pid),
            }
        finally:
            stop_server(server)


def show(label: str, result: dict) -> None:
    print(
        f"{label:52s} {result['status']:4d} {result['bytes'] / 1e6:10.2f} MB {result['ms']:9.0f} ms "
        f"peak RSS {result['rss_peak_mb']:7.0f} MB (idle {result['rss_before_mb']:.0f})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", default="maps,grid,inputs,gradcheck")
    parser.add_argument("--large-grid", type=int, default=200, help="grid resolution on the large net")
    cases = parser.parse_args().cases.split(",")
    args = parser.parse_args()
    if "maps" in cases:
        grid = {"resolution": 100}
        show("2-64-64-1, grid 100×100, float maps", run_case(MAPS_NET, {"grid": grid}, repeat=3))
        show(
            "2-64-64-1, grid 100×100, uint8 maps",
            run_case(MAPS_NET, {"grid": grid, "maps": "uint8"}, repeat=3),
        )
    if "grid" in cases:
        grid = {"resolution": args.large_grid}
        label = f"{'-'.join(map(str, LARGE_NET[:3]))}…-1, grid {args.large_grid}²"
        show(label + ", float", run_case(LARGE_NET, {"grid": grid}))
        show(label + ", uint8", run_case(LARGE_NET, {"grid": grid, "maps": "uint8"}))
    if "inputs" in cases:
        for rows in (10_000, 3_000_000 // sum(LARGE_NET[1:])):
            inputs = np.random.default_rng(0).uniform(-1, 1, (rows, 2)).round(6).tolist()
            show(f"large net, predict {rows:,} inputs", run_case(LARGE_NET, {"inputs": inputs}))
    if "gradcheck" in cases:
        inputs = np.random.default_rng(0).uniform(-1, 1, (60, 2)).round(6).tolist()
        targets = [[1.0]] * 60
        show(
            "large net, gradcheck 60 samples",
            run_case(LARGE_NET, {"inputs": inputs, "targets": targets}, path="gradcheck"),
        )


if __name__ == "__main__":
    main()
