"""Run the real `backprop-explorer serve` (or plain uvicorn) in a process, for the CLI and
security tests: its flags, its printed output, its exit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..conftest import Database, LiveServer, free_port, start_process

Served = LiveServer  # its ``url``, ``output``, ``token`` and ``stop()``
# Runs argv[2:] with a limit of argv[1] open files.
LIMIT_OPEN_FILES = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"
)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "backprop_explorer.app.cli", *args]


def serve(
    tmp_path: Path,
    *flags: str,
    env: dict[str, str] | None = None,
    db: Database | None = None,
    uvicorn: bool = False,
    host: str = "127.0.0.1",
    open_files: int | None = None,
) -> LiveServer:
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
    if open_files is not None:
        args = [sys.executable, "-c", LIMIT_OPEN_FILES, str(open_files), *args]
    # Only this test's settings: none inherited from the shell running the tests.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
    process_env = {**inherited, "BACKPROP_EXPLORER_DB": str(db), **(env or {})}
    return start_process(args, port=port, db=db, env=process_env, cwd=tmp_path, timeout=60)
