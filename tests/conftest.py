"""Shared fixtures: a real uvicorn server on a free loopback port, with its own database.

``live_server`` (session scope) yields a :class:`LiveServer`, a ``str`` subclass holding the
base URL (``"http://127.0.0.1:PORT"``), so both ``f"{live_server}/api/health"`` and
``live_server.url`` work. ``start_server``/``stop_server`` let a test run its own server,
kill it with SIGKILL and start another on the same database; ``start_process`` starts any
other server command (the CLI, an installed wheel's, several workers) the same way. A
server's database is a SQLite file's path or a ``postgresql://`` URL; ``postgres_cluster``
(session scope, started on first use: once per test process, so once per xdist worker too)
is a throwaway PostgreSQL server (``tests/postgres.py``).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.postgres import Cluster

ROOT = Path(__file__).resolve().parent.parent
Database = Path | str  # a SQLite file, or a postgresql:// URL


class LiveServer(str):
    """The base URL of a running server; ``.process``, ``.db`` and ``.log`` (its output) for
    tests that need them."""

    process: subprocess.Popen
    db: Database
    log: Path

    @property
    def url(self) -> str:
        return str(self)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def token(self) -> str | None:
        """The access token the server printed (``?token=…`` in its address), if any."""
        found = re.search(r"\?token=([A-Za-z0-9._~-]+)", self.output)
        return found.group(1) if found else None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop the server with ``sig`` (SIGKILL to simulate a crash), reap it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(
    command: list[str],
    *,
    port: int,
    db: Database,
    env: dict[str, str],
    cwd: Path = ROOT,
    timeout: float = 30,
    ready: Callable[[LiveServer], bool] | None = None,
) -> LiveServer:
    """Run ``command`` (a server listening on loopback ``port``, environment ``env`` exactly),
    its output in a log file beside ``db`` (in a temporary folder for a database URL); wait
    until ``/api/health`` answers (and ``ready``, when given, says so). The one way every test
    and benchmark starts a server."""
    # A log file rather than a pipe: an unread pipe fills up and blocks the server.
    folder = Path(tempfile.mkdtemp(prefix="server-log-")) if is_url(db) else Path(db).parent
    log = folder / f"server-{port}.log"
    with open(log, "ab") as log_file:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}")
    server.process, server.db, server.log = process, db if is_url(db) else Path(db), log
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early: {server.output}")
        try:
            if httpx.get(f"{server}/api/health", timeout=2).status_code == 200 and (
                ready is None or ready(server)
            ):
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"server did not become healthy within {timeout:g} s: {server.output}")


def is_url(db: Database) -> bool:
    return isinstance(db, str) and db.startswith("postgresql://")


def start_server(
    db: Database,
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    app: str = "backprop_explorer.app.main:app",
    app_dir: Path | None = None,
    args: tuple[str, ...] = (),
    timeout: float = 30,
    ready: Callable[[LiveServer], bool] | None = None,
    cwd: Path = ROOT,
) -> LiveServer:
    """uvicorn on loopback with ``BACKPROP_EXPLORER_DB=db``, healthy. ``args``: more uvicorn
    options (``--workers``); ``app``/``app_dir``: another ASGI app to serve (the benchmarks'
    hello-world baseline), which must answer ``GET /api/health`` too; ``cwd``: the folder it
    runs in."""
    port = port or free_port()
    command = [sys.executable, "-m", "uvicorn", app, *(["--app-dir", str(app_dir)] if app_dir else [])]
    command += ["--host", "127.0.0.1", "--port", str(port), *args]
    process_env = {**os.environ, "BACKPROP_EXPLORER_DB": str(db), **(env or {})}
    return start_process(command, port=port, db=db, env=process_env, cwd=cwd, timeout=timeout, ready=ready)


def stop_server(server: LiveServer, sig: int = signal.SIGTERM) -> None:
    """Stop the server with ``sig`` (SIGKILL to simulate a crash) and reap it."""
    server.stop(sig)


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    cluster = Cluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("live") / "networks.db")
    try:
        yield server
    finally:
        stop_server(server)
