"""Run the real `backprop-explorer serve` (or plain uvicorn) in a process, for the CLI and
security tests: its flags, its printed output, its exit."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import httpx

from ..conftest import free_port


class Served:
    """A server process started by :func:`serve`: its base URL, output and the token it printed."""

    def __init__(self, process: subprocess.Popen, url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    @property
    def token(self) -> str | None:
        found = re.search(r"\?token=([A-Za-z0-9._~-]+)", self.output)
        return found.group(1) if found else None

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def limit_open_files(count: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "backprop_explorer.app.cli", *args]


def serve(
    tmp_path: Path,
    *flags: str,
    env: dict[str, str] | None = None,
    db: Path | None = None,
    uvicorn: bool = False,
    host: str = "127.0.0.1",
    open_files: int | None = None,
) -> Served:
    """Start ``backprop-explorer serve --host HOST --port P --db DB FLAGS`` (or uvicorn itself with
    ``uvicorn=True``) and wait until ``/api/health`` answers on 127.0.0.1. ``open_files``: the
    process's limit on open files (soft and hard)."""
    port = free_port()
    db = db or tmp_path / f"serve-{port}.db"
    if uvicorn:
        args = [sys.executable, "-m", "uvicorn", "backprop_explorer.app.main:app", "--host", host]
    else:
        args = command("serve", "--host", host, "--db", str(db), *flags)
    args += ["--port", str(port)]
    # Only this test's settings: none inherited from the shell running the tests.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
    process_env = {**inherited, "BACKPROP_EXPLORER_DB": str(db), **(env or {})}
    log = tmp_path / f"serve-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            args,
            cwd=tmp_path,
            env=process_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=None if open_files is None else partial(limit_open_files, open_files),
        )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early: {served.output}")
        try:
            if httpx.get(f"{served.url}/api/health", timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    served.stop()
    raise RuntimeError(f"server did not become healthy within 60 s: {served.output}")
