"""Shared fixtures: a real uvicorn server on a free loopback port, with its own database.

``live_server`` (session scope) yields a :class:`LiveServer`, a ``str`` subclass holding the
base URL (``"http://127.0.0.1:PORT"``), so both ``f"{live_server}/api/health"`` and
``live_server.url`` work. ``start_server``/``stop_server`` let a test run its own server,
kill it with SIGKILL and start another on the same database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


class LiveServer(str):
    """The base URL of a running server; ``.process`` and ``.db`` for tests that need them."""

    process: subprocess.Popen
    db: Path
    log: Path

    @property
    def url(self) -> str:
        return str(self)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    db: Path,
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
    app: str = "backprop_explorer.app.main:app",
    app_dir: Path | None = None,
) -> LiveServer:
    """Start the server (uvicorn) on loopback with ``BACKPROP_EXPLORER_DB=db``; wait until healthy.

    ``app``/``app_dir``: another ASGI app to serve (the benchmarks' hello-world baseline),
    which must answer ``GET /api/health`` too. Used by ``bench/`` as well as the tests."""
    port = port or free_port()
    process_env = {**os.environ, "BACKPROP_EXPLORER_DB": str(db), **(env or {})}
    # A log file rather than a pipe: an unread pipe fills up and blocks the server.
    log = Path(db).with_name(f"server-{port}.log")
    with open(log, "ab") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                *(["--app-dir", str(app_dir)] if app_dir else []),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=process_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}")
    server.process, server.db, server.log = process, Path(db), log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early: {log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{server}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    stop_server(server)
    raise RuntimeError("server did not become healthy within 30 s")


def stop_server(server: LiveServer, sig: int = signal.SIGTERM) -> None:
    """Stop the server with ``sig`` (SIGKILL to simulate a crash) and reap it."""
    if server.process.poll() is None:
        server.process.send_signal(sig)
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("live") / "networks.db")
    try:
        yield server
    finally:
        stop_server(server)
