"""Write tests/app/fixtures/release-<commit>.db: a SQLite file written by an older release's own
code, and next to it what that release answered about each network and upload (``.json``).

The test that opens it (tests/app/test_migration.py) checks that today's code upgrades the file
in place and answers the same. Run from the repository (about a minute; the fixture is
committed, so this runs only when a new release's fixture is wanted):

    .venv/bin/python scripts/release_fixture.py d7bcbfb

The release's code is taken from git (``git archive``), installed into a temporary folder
without its dependencies (this venv's serve it) and run with uvicorn on a new file; a fixed
sequence of requests (networks of every data kind, trained, stepped, halfway through a
step, rewound, patched; an upload and a network on it) writes the file.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.conftest import free_port, start_process  # noqa: E402

FIXTURES = ROOT / "tests" / "app" / "fixtures"
MOONS = {
    "layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "learning_rate": 0.5,
    "data": {"generator": "moons", "n": 40, "noise": 0.1, "seed": 3}, "batch_size": 8,
    "validation_split": 0.25,
}  # fmt: skip
ADAM = {
    **MOONS, "layers": [2, 3, 1], "optimizer": {"name": "adam"}, "learning_rate": 0.05,
    "regularization": {"kind": "l2", "rate": 0.01},
}  # fmt: skip
EXPLICIT = {
    "layers": [2, 2, 2], "activations": ["sigmoid", "sigmoid"], "loss": "half_sse",
    "data": {"inputs": [[0.05, 0.1], [0.3, 0.7], [0.9, 0.2]],
             "targets": [[0.01, 0.99], [0.5, 0.5], [0.2, 0.8]]},
}  # fmt: skip
CSV = b"size,rooms,price\n50,2,100\n65,3,130\n80,3,170\n120,5,260\n95,4,200\n40,1,80\n"


def install(commit: str, into: Path) -> Path:
    """The release's package, installed (without dependencies) into ``into``."""
    source = into / "source"
    source.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    target = into / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
    )
    return target


def write(client: httpx.Client) -> dict:
    """The requests that fill the file; the answers to keep."""

    def ok(response: httpx.Response) -> dict:
        assert response.status_code in (200, 201), response.text
        return response.json()

    moons = ok(client.post("/api/networks", json=MOONS))["id"]
    ok(client.post(f"/api/networks/{moons}/train", json={"epochs": 3}))
    for _ in range(2):
        ok(client.post(f"/api/networks/{moons}/step", json={}))
    ok(client.post(f"/api/networks/{moons}/forward", json={}))  # halfway through a step
    adam = ok(client.post("/api/networks", json=ADAM))["id"]
    for _ in range(5):
        ok(client.post(f"/api/networks/{adam}/step", json={}))
    ok(client.post(f"/api/networks/{adam}/rewind", json={"step": 3}))
    ok(client.patch(f"/api/networks/{adam}", json={"learning_rate": 0.01}))
    explicit = ok(client.post("/api/networks", json=EXPLICIT))["id"]
    ok(client.post(f"/api/networks/{explicit}/train", json={"epochs": 2}))
    upload = ok(client.post("/api/datasets", files={"file": ("prices.csv", CSV, "text/csv")}))["dataset_id"]
    on_upload = ok(client.post("/api/networks", json={"layers": [2, 3, 1], "data": {"dataset_id": upload}}))[
        "id"
    ]
    ok(client.post(f"/api/networks/{on_upload}/train", json={"epochs": 2}))
    networks = {}
    for network_id in (moons, adam, explicit, on_upload):
        networks[network_id] = {
            "network": ok(client.get(f"/api/networks/{network_id}")),
            "history": ok(client.get(f"/api/networks/{network_id}/history")),
            "export": ok(client.get(f"/api/networks/{network_id}/export")),
            "snapshots": ok(client.get(f"/api/networks/{network_id}/snapshots")),
        }
    return {
        "networks": networks,
        "datasets": {upload: ok(client.get(f"/api/datasets/{upload}"))},
        "dataset_listing": ok(client.get("/api/datasets"))["datasets"],
        "listing": [n["id"] for n in ok(client.get("/api/networks"))["networks"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit", help="the release's commit or tag")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", parser.parse_args().commit], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    FIXTURES.mkdir(exist_ok=True)
    db = FIXTURES / f"release-{commit}.db"
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), db.with_suffix(".json")):
        path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        site = install(commit, Path(folder))
        port = free_port()
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
        env = {**inherited, "PYTHONPATH": str(site), "BACKPROP_EXPLORER_DB": str(db)}
        command = [sys.executable, "-m", "uvicorn", "backprop_explorer.app.main:app", "--port", str(port)]
        server = start_process(command, port=port, db=Path(folder) / "server.db", env=env, cwd=Path(folder))
        try:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                answers = write(client)
        finally:
            server.stop()
    with sqlite3.connect(db) as conn:  # one self-contained file: the log folded in, no free pages
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("VACUUM")
    for leftover in (Path(f"{db}-locks"), Path(f"{db}-reserve"), Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    answers["commit"] = commit
    db.with_suffix(".json").write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")
    print(f"{db} ({db.stat().st_size} bytes) and {db.with_suffix('.json').name}, written by {commit}")


if __name__ == "__main__":
    main()
