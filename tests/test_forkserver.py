"""The tests' fork server (tests/forkserver.py) starts a server as the command would have: in
the folder, with the environment and the log it was given, holding no file of the test process
or of the fork server, and it reports the exit as ``subprocess.Popen`` does."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import httpx

from tests.conftest import start_server
from tests.forkserver import forkable


def open_files(pid: int) -> list[str]:
    folder = Path(f"/proc/{pid}/fd")
    return sorted(os.readlink(folder / fd) for fd in os.listdir(folder) if (folder / fd).exists())


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_a_forked_server_has_its_folder_environment_and_log_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    db = tmp_path / "networks.db"
    server = start_server(db, cwd=folder, env={"BACKPROP_EXPLORER_ALLOW_LISTING": "1"})
    try:
        pid = server.process.pid
        assert parent_of(pid) != os.getpid()  # a child of the fork server, not of this process
        assert os.readlink(f"/proc/{pid}/cwd") == str(folder)
        files = open_files(pid)
        assert files.count(str(server.log)) == 2  # standard output and error
        assert not any(f.startswith("pipe:") for f in files), files  # none of the fork server's
        # The environment it was given: the app read it when it was built in the child.
        assert httpx.get(f"{server}/api/networks").status_code == 200
        assert server.process.poll() is None
    finally:
        # uvicorn shuts down in order, then raises the signal it caught again, as a server
        # started by a new interpreter does.
        assert server.stop(signal.SIGTERM) == -signal.SIGTERM
    assert "Finished server process" in server.output


def signal_masks(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    wanted = ("SigIgn", "SigBlk", "SigCgt")  # ignored, blocked, caught
    return {k: v.strip() for k, v in (line.split(":", 1) for line in lines) if k in wanted}


def test_a_forked_server_ignores_blocks_and_catches_the_signals_a_started_one_does(tmp_path: Path) -> None:
    """A new interpreter ignores SIGPIPE (a write to a closed connection is then an error, not
    the end of the process) and SIGXFSZ, and uvicorn catches SIGINT and SIGTERM: a forked server
    must have the same dispositions as one started as a new process."""
    started = start_server(tmp_path / "started.db", fork=False)
    forked = start_server(tmp_path / "networks.db")
    try:
        assert started.process.pid != forked.process.pid and parent_of(started.process.pid) == os.getpid()
        assert signal_masks(forked.process.pid) == signal_masks(started.process.pid)
        assert int(signal_masks(forked.process.pid)["SigIgn"], 16) & (1 << (signal.SIGPIPE - 1))
    finally:
        started.stop()
        forked.stop()


def test_a_killed_forked_server_reports_the_signal_as_popen_does(tmp_path: Path) -> None:
    server = start_server(tmp_path / "networks.db")
    os.kill(server.process.pid, signal.SIGKILL)
    assert server.process.wait(timeout=10) == -signal.SIGKILL
    assert server.process.returncode == -signal.SIGKILL and server.process.poll() == -signal.SIGKILL


def test_only_this_interpreters_single_process_servers_are_forked() -> None:
    assert forkable([sys.executable, "-m", "uvicorn", "backprop_explorer.app.main:app", "--port", "1"])
    assert forkable([sys.executable, "-m", "backprop_explorer.app.cli", "serve"])
    assert not forkable([sys.executable, "-m", "uvicorn", "x:app", "--workers", "2"])
    assert not forkable(["/usr/bin/python3", "-m", "uvicorn", "x:app"])
    assert not forkable([sys.executable, "-c", "pass", "-m", "uvicorn"])
    assert not forkable(["backprop-explorer", "serve"])
