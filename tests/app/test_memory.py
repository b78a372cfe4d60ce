"""Peak memory of the largest requests the default limits allow, on a real uvicorn process.

The peak resident set (VmHWM in /proc/<pid>/status) of the server must stay under 1 GB.
Before predict was chunked and bounded, a 200×200 grid on this network peaked at ~7.4 GB.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import numpy as np
import pytest
from backprop_explorer.app.config import Limits

from ..conftest import start_server, stop_server

# The most neurons per point the default limits allow: 10 weight layers, 901 neurons.
LARGE = [2] + [100] * 9 + [1]
BOUND_MB = 1024


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM line")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_largest_allowed_predicts_stay_under_1_gb(tmp_path: Path) -> None:
    limits = Limits()
    neurons = sum(LARGE[1:])
    server = start_server(tmp_path / "networks.db")
    try:
        spec = {"layers": LARGE, "activations": ["tanh"] * 9 + ["sigmoid"], "data": None}
        net = httpx.post(f"{server}/api/networks", json=spec, timeout=60).json()
        url = f"{server}/api/networks/{net['id']}/predict"
        R = limits.max_grid_resolution
        assert R * R * neurons <= limits.max_map_bytes  # the whole grid's maps are allowed
        compact = httpx.post(url, json={"grid": {"resolution": R}, "maps": "uint8"}, timeout=600)
        assert compact.status_code == 200, compact.text[:300]
        assert len(compact.json()["maps"]) == 10
        rows = limits.max_predict_values // neurons  # the most input rows a float answer allows
        inputs = np.random.default_rng(0).uniform(-1, 1, (rows, 2)).tolist()
        floats = httpx.post(url, json={"inputs": inputs}, timeout=600)
        assert floats.status_code == 200, floats.text[:300]
        assert len(floats.json()["outputs"]) == rows
        over = httpx.post(url, json={"inputs": inputs + [[0.0, 0.0]]}, timeout=600)
        assert over.status_code == 413 and "max_predict_values" in over.json()["detail"]
        float_grid = httpx.post(url, json={"grid": {"resolution": R}}, timeout=600)
        assert float_grid.status_code == 413
        peak = peak_rss_mb(server.process.pid)
    finally:
        stop_server(server)
    assert peak < BOUND_MB, f"peak RSS {peak:.0f} MB"
