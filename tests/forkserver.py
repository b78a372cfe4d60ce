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

The fork server reaps its children and reports each exit, so :class:`ForkedProcess` answers as
``subprocess.Popen`` does: ``pid``, ``poll()``, ``wait()``, ``send_signal()``, ``returncode``.

Protocol, one JSON object per line: the test process sends ``{"argv", "env", "cwd", "log"}``;
the fork server answers ``{"pid"}`` (or ``{"error"}``) and, whenever a child ends,
``{"exited": pid, "status": wait_status}``.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import threading
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
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
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
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    commands = sys.stdin.buffer
    out = sys.stdout

    def send(message: dict) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    send({"ready": os.getpid()})
    pending = b""
    while True:
        readable, _, _ = select.select([commands.fileno(), wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 512)
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            children.discard(pid)
            send({"exited": pid, "status": status})
        if commands.fileno() not in readable:
            continue
        chunk = os.read(commands.fileno(), 65536)
        if not chunk:  # the test process ended: so do the servers it left
            for pid in children:
                os.kill(pid, signal.SIGKILL)
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
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


# --- The test process's side -----------------------------------------------------------------


class ForkServer:
    """A running fork server and the exits it reported."""

    def __init__(self, root: Path, environment: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.forkserver"],
            cwd=root,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._lock = threading.Lock()  # one request at a time
        self._changed = threading.Condition()
        self._started: list[dict] = []
        self._exits: dict[int, int] = {}
        assert self.process.stdout is not None
        first = json.loads(self.process.stdout.readline() or b'{"error": "the fork server did not start"}')
        if "ready" not in first:
            raise RuntimeError(first["error"])
        threading.Thread(target=self._read, name="forkserver-replies", daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            message = json.loads(line)
            with self._changed:
                if "exited" in message:
                    self._exits[message["exited"]] = message["status"]
                else:
                    self._started.append(message)
                self._changed.notify_all()
        with self._changed:
            self._started.append({"error": "the fork server ended"})
            self._changed.notify_all()

    def spawn(self, command: list[str], *, env: dict[str, str], cwd: Path, log: Path) -> ForkedProcess:
        request = {"argv": command, "env": env, "cwd": str(cwd), "log": str(log)}
        with self._lock:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
            with self._changed:
                self._changed.wait_for(lambda: self._started, timeout=30)
                reply = self._started.pop(0) if self._started else {"error": "no answer in 30 s"}
        if "pid" not in reply:
            raise RuntimeError(f"the fork server could not start {command}: {reply['error']}")
        return ForkedProcess(self, command, reply["pid"])

    def status(self, pid: int, timeout: float | None) -> int | None:
        """The wait status of child ``pid`` once it ended (waiting up to ``timeout`` s for it)."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._exits, timeout=timeout)
            return self._exits.get(pid)

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

    def _finish(self, status: int | None) -> int | None:
        if status is not None and self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def poll(self) -> int | None:
        return self._finish(self._server.status(self.pid, timeout=0))

    def wait(self, timeout: float | None = None) -> int:
        code = self._finish(self._server.status(self.pid, timeout=timeout))
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return code

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


if __name__ == "__main__":
    _serve()
