"""Timeline snapshots: their storage per 1,000 updates, and what they add to ``POST /step``.

Work: 2-8-8-1 tanh/tanh/sigmoid, BCE, 1,000 moons samples, batch 32, SGD and Adam (Adam keeps
two moments per parameter, so its snapshots are three times SGD's). Two apps on their own
SQLite files in one run: one with the default ``max_step_snapshots`` (1,000), the baseline with
0 (no step snapshots; epoch snapshots stay in both). The /step calls alternate between the two
in blocks of 50, so the machine's load weighs on both sides alike.

    python bench/bench_snapshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backprop_explorer.app.config import Limits, Settings  # noqa: E402
from backprop_explorer.app.main import create_app  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

STEPS, BLOCK = 1000, 50
SPEC = {
    "layers": [2, 8, 8, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "loss": "bce",
    "learning_rate": 0.05,
    "data": {"generator": "moons", "n": 1000, "noise": 0.1, "seed": 0},
    "batch_size": 32,
}


def db_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


def run(optimizer: str, folder: Path) -> None:
    sides = {}
    for name, limit in (("with", 1000), ("without", 0)):
        db = folder / f"{optimizer}-{name}.db"
        client = TestClient(create_app(Settings(db, Limits(max_step_snapshots=limit))))
        net = client.post("/api/networks", json={**SPEC, "optimizer": {"name": optimizer}}).json()["id"]
        sides[name] = [client, net, 0.0, db]
    for _ in range(STEPS // BLOCK):
        for side in sides.values():
            client, net = side[0], side[1]
            start = time.perf_counter()
            for _ in range(BLOCK):
                response = client.post(f"/api/networks/{net}/step", json={})
                assert response.status_code == 200, response.text
            side[2] += time.perf_counter() - start
    store = sides["with"][0].app.state.service.store
    count, size = store.snapshot_usage(sides["with"][1])
    base_count, base_size = sides["without"][0].app.state.service.store.snapshot_usage(sides["without"][1])
    with_s, without_s = sides["with"][2], sides["without"][2]
    file_with, file_without = db_bytes(sides["with"][3]), db_bytes(sides["without"][3])
    print(
        f"{optimizer:>5}: {count} snapshots, {size / 1e6:.2f} MB ({size / count / 1e3:.2f} kB each); "
        f"baseline keeps {base_count} ({base_size / 1e6:.2f} MB). "
        f"DB file {file_with / 1e6:.2f} MB vs {file_without / 1e6:.2f} MB"
    )
    print(
        f"       /step: {with_s / STEPS * 1e3:.2f} ms with snapshots, {without_s / STEPS * 1e3:.2f} ms "
        f"without: ratio {with_s / without_s:.2f}"
    )
    for client, *_ in sides.values():
        client.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for optimizer in ("sgd", "adam"):
            run(optimizer, Path(tmp))
    print(f"({STEPS} updates per side, cpu count {os.cpu_count()})")


if __name__ == "__main__":
    main()
