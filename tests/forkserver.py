"""Start the tests' servers by forking a process that has already imported the app.

A server started the ordinary way spends ~0.7 s of processor time starting Python and importing
FastAPI, NumPy and the app before it answers; the tests start about a hundred. A fork server
(``python -m tests.forkserver``, one per test process) imports those modules once, without
building an app, and forks a child for each ``python -m uvicorn …`` or ``python -m
backprop_explorer.app.cli …`` command that ``tests/conftest.py``'s ``start_process`` is given. The
child takes the command's environment, folder and log, closes every other file, and runs the
module as ``python -m`` would: it is a real server process, built from the environment it was
given, that only skipped the imports. Other commands (an installed wheel's script, a wrapper
that limits open files, uvicorn with several workers) are started as before.

:class:`ForkedProcess` answers as ``subprocess.Popen`` does: ``pid``, ``poll()``, ``wait()``,
``send_signal()``, ``returncode``. As with Popen, a child that ended is reaped only when the test
process asks about it, so until then its pid cannot be given to another process and a signal
sent to it reaches nothing else.

Protocol, one JSON object per line, each request answered before the next: ``{"argv", "env",
"cwd", "log"}`` → ``{"pid"}`` (or ``{"error"}``); ``{"poll": pid}`` → ``{"status": wait status,
or null while it runs}``.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

# Commands the fork server runs: ``python -m MODULE`` for these modules.
MODULES = ("uvicorn", "backprop_explorer.app.cli")
# What those commands import before they read their environment: not ``app.main``, which
# builds the app (from the environment) when it is imported, nor ``app.cli``.
PRELOAD = (
    "backprop_explorer.app.process",  # first: it sets the BLAS thread count before NumPy loads
    "uvicorn.main",
    "uvicorn.config",
    "uvicorn.server",
    "uvicorn.lifespan.on",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.loops.asyncio",
    "backprop_explorer.app.routers",
    "backprop_explorer.app.routers.pages",
    "backprop_explorer.app.deps",
    "backprop_explorer.app.errors",
    "backprop_explorer.app.security",
    "backprop_explorer.app.admission",
    "backprop_explorer.app.gate",
    "backprop_explorer.app.owners",
    "backprop_explorer.app.logs",
    "backprop_explorer.app.listen",
    "backprop_explorer.app.dbcli",
    "fastapi.staticfiles",
    "fastapi.templating",
)


def forkable(command: list[str]) -> bool:
    """Whether the fork server runs ``command``: ``python -m`` one of :data:`MODULES`, by this
    interpreter, with one process (uvicorn's ``--workers`` spawns interpreters of its own)."""
    return (
        len(command) >= 3
        and command[0] == sys.executable
        and command[1] == "-m"
        and command[2] in MODULES
        and not any(arg.startswith(("--workers", "--reload")) for arg in command)
    )


# --- The fork server --------------------------------------------------------------------------


def _run_child(request: dict) -> None:
    """In the forked child: become the command's process, run it, exit with its status."""
    code: object = 1
    try:
        # Signals as the fork server has them, which are a new interpreter's (it changes none):
        # SIGPIPE and SIGXFSZ ignored, so a write to a closed connection is an error, not death.
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 4096)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _reopen_standard_streams(unbuffered=bool(os.environ.get("PYTHONUNBUFFERED")))
        sys.path[0] = os.getcwd()  # as `python -m` puts the folder it runs in first
        module, args = request["argv"][2], request["argv"][3:]
        sys.argv = [module, *args]
        import runpy

        runpy.run_module(module, run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    except BaseException:  # what python -m prints for an uncaught exception
        traceback.print_exc()
        code = 1
    try:  # what the interpreter does on its way out: wait for its threads, run atexit
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
    finally:
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code & 0xFF
        else:
            print(code, file=sys.stderr)
            status = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _reopen_standard_streams(unbuffered: bool) -> None:
    """Standard output and error on the log, buffered as the child's environment says (as the
    interpreter would have set them up for it)."""
    import io

    def stream(fd: int, errors: str, line_buffering: bool) -> io.TextIOWrapper:
        raw = io.FileIO(fd, "w", closefd=False)
        binary = raw if unbuffered else io.BufferedWriter(raw)
        return io.TextIOWrapper(
            binary, encoding="utf-8", errors=errors, line_buffering=line_buffering, write_through=unbuffered
        )

    sys.stdout = sys.__stdout__ = stream(1, "strict", False)
    sys.stderr = sys.__stderr__ = stream(2, "backslashreplace", True)


def _serve() -> None:
    for name in PRELOAD:
        __import__(name)
    children: set[int] = set()
    out = sys.stdout

    def send(message: dict) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    send({"ready": os.getpid()})
    for line in sys.stdin:
        request = json.loads(line)
        if "poll" in request:  # reaped only when asked, as Popen does: until then its pid is kept
            pid = request["poll"]
            done, status = os.waitpid(pid, os.WNOHANG) if pid in children else (pid, None)
            if done and status is not None:
                children.discard(pid)
            send({"status": status if done else None})
            continue
        out.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            send({"error": str(exc)})
            continue
        if pid == 0:
            _run_child(request)
        children.add(pid)
        send({"pid": pid})
    for pid in children:  # the test process ended: so do the servers it left
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


# --- The test process's side -----------------------------------------------------------------


class ForkServer:
    """A running fork server: one request and its answer at a time."""

    def __init__(self, root: Path, environment: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.forkserver"],
            cwd=root,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._lock = threading.Lock()
        if "ready" not in self._answer():
            raise RuntimeError("the fork server did not start")

    def _answer(self) -> dict:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the fork server ended (exit code {self.process.wait()})")
        return json.loads(line)

    def _call(self, request: dict) -> dict:
        with self._lock:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
            return self._answer()

    def spawn(self, command: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> ForkedProcess:
        reply = self._call({"argv": command, "env": env, "cwd": str(cwd), "log": str(log)})
        if "pid" not in reply:
            raise RuntimeError(f"the fork server could not start {command}: {reply['error']}")
        return ForkedProcess(self, command, reply["pid"])

    def status(self, pid: int) -> int | None:
        """Child ``pid``'s wait status if it ended (it is reaped then), else None."""
        return self._call({"poll": pid})["status"]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


class ForkedProcess:
    """A server the fork server started, with ``subprocess.Popen``'s ways of watching and
    stopping it."""

    def __init__(self, server: ForkServer, args: list[str], pid: int) -> None:
        self._server = server
        self.args = args
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            status = self._server.status(self.pid)
            if status is not None:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.001
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:  # not reaped, so the pid is still this process's (or its zombie's)
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


if __name__ == "__main__":
    _serve()
