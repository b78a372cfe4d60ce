"""A server running another commit of this repository, to measure a change against in one run.

``checkout_server("main", tmp)`` unpacks that commit's tree (``git archive``) into ``tmp``, lays
it out as the installed package is laid out (``backprop_explorer`` with ``app``, ``engine``,
``static`` and ``templates`` inside), and serves it with this environment's Python on a
loopback port: the benchmarks then run the same pages on both servers, turn by turn.
``serving(tmp, ref)`` starts this checkout's server and, given a ref, that commit's beside it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import LiveServer, free_port, start_process, start_server, stop_server  # noqa: E402

PARTS = ("app", "engine", "static", "templates")


def checkout_server(ref: str, tmp: Path) -> LiveServer:
    """Serve commit ``ref`` of this repository from a copy under ``tmp``."""
    tree = tmp / f"tree-{ref.replace('/', '-')}"
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    package = tree / "site" / "backprop_explorer"
    package.parent.mkdir()
    (tree / "backprop_explorer").rename(package)
    for part in PARTS:
        (package / part).symlink_to(tree / part, target_is_directory=True)
    port = free_port()
    db = tmp / f"{tree.name}.db"
    command = [sys.executable, "-m", "uvicorn", "backprop_explorer.app.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port)]
    # Run from the copy: its package comes first on the path, before this checkout's install.
    env = {**os.environ, "BACKPROP_EXPLORER_DB": str(db), "PYTHONPATH": str(package.parent)}
    return start_process(command, port=port, db=db, env=env, cwd=package.parent)


@contextmanager
def serving(tmp: Path, baseline: str | None, db_name: str = "bench.db") -> Iterator[dict[str, LiveServer]]:
    """``{"this": this checkout's server}``, and ``baseline``'s server under that ref when one is
    given, each on a database of its own under ``tmp``; every one started is stopped on leaving."""
    running = {"this": start_server(tmp / db_name)}
    try:
        if baseline:
            running[baseline] = checkout_server(baseline, tmp)
        yield running
    finally:
        for server in running.values():
            stop_server(server)


def compare_ids(running: dict[str, LiveServer]) -> dict[str, str]:
    """For each server, the ids of two new small networks, comma-separated: a /compare page's."""
    spec = {"layers": [2, 3, 1], "data": {"generator": "xor"}}
    return {
        key: ",".join(httpx.post(f"{server}/api/networks", json=spec).json()["id"] for _ in range(2))
        for key, server in running.items()
    }
