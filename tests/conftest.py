"""Shared fixtures: a real uvicorn server on a free loopback port, with its own database.

``live_server`` (session scope) yields a :class:`LiveServer`, a ``str`` subclass holding the
base URL (``"http://127.0.0.1:PORT"``), so both ``f"{live_server}/api/health"`` and
``live_server.url`` work. ``start_server``/``stop_server`` let a test run its own server,
kill it with SIGKILL and start another on the same database; ``start_process`` starts any
other server command (the CLI, an installed wheel's, several workers) the same way. A
server's database is a SQLite file's path or a ``postgresql://`` URL; ``postgres_cluster``
(session scope, started on first use: once per test process, so once per xdist worker too)
is a throwaway PostgreSQL server (``tests/postgres.py``). Under pytest, a server run as
``python -m uvicorn`` or ``python -m backprop_explorer.app.cli`` is forked from a process that
has imported the app's modules already (``tests/forkserver.py``).
"""

from __future__ import annotations

import collections
import functools
import inspect
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
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.forkserver import ForkedProcess, ForkServer, forkable
from tests.postgres import Cluster

if TYPE_CHECKING:
    from playwright.sync_api import Playwright

ROOT = Path(__file__).resolve().parent.parent
Database = Path | str  # a SQLite file, or a postgresql:// URL

# --- Markers ------------------------------------------------------------------------------
# Each test is marked with its part, from its folder: ``engine``, ``app``, ``browser``, or
# ``wheel`` (tests/test_wheel.py); ``server`` when it starts a real server or runs the app in
# another process (found in its source or its fixtures': the names below); ``slow`` is set by
# hand. ``make test-fast`` runs ``not browser and not server and not slow``. A test that
# starts a server without the ``server`` (or ``browser``) mark fails, so that selection
# cannot drift.
PARTS = {"engine": "engine", "app": "app", "browser": "browser", "test_wheel.py": "wheel"}
STARTS_A_SERVER = (
    "live_server",
    "start_server(",
    "start_process(",
    "serve(",
    "subprocess.",
    "sys.executable",
)
_running: list[pytest.Item] = []  # the test being run, for start_process's check


def _starts_a_server(item: pytest.Item) -> bool:
    functions = [getattr(item, "function", None)]
    for name in getattr(item, "fixturenames", ()):
        if name == "live_server":
            return True
        definitions = item._fixtureinfo.name2fixturedefs.get(name, ())  # type: ignore[attr-defined]
        functions += [definition.func for definition in definitions]
    return any(word in source_with_helpers(function) for function in functions for word in STARTS_A_SERVER)


@functools.cache
def source_with_helpers(function: Callable | None, depth: int = 2) -> str:
    """The function's source, followed by that of the functions of its module it calls
    (``depth`` levels down: a test's helper that starts the server)."""
    try:
        text = inspect.getsource(function) if function is not None else ""
    except (OSError, TypeError):
        return ""
    module = inspect.getmodule(function)
    if depth and module is not None:
        for name in set(re.findall(r"\b([a-z_][a-z0-9_]*)\(", text)):
            helper = getattr(module, name, None)
            if inspect.isfunction(helper) and helper is not function and helper.__module__ == module.__name__:
                text += source_with_helpers(helper, depth - 1)
    return text


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unique_ids(items)
    for item in items:
        first = Path(item.path).relative_to(ROOT / "tests").parts[0]
        if first in PARTS:
            item.add_marker(PARTS[first])
        if _starts_a_server(item):
            item.add_marker("server")
        if "postgres_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker("postgresql")  # it starts the throwaway PostgreSQL


def unique_ids(items: list[pytest.Item]) -> None:
    """One node id per test. Schemathesis makes one test per API operation and names each after
    it, but this pytest gives them all the test function's id; pytest-xdist hands tests out by
    id, so it ran one operation of each such test. They take their names as ids; tests that
    still share one are a collection error."""
    counts = collections.Counter(item.nodeid for item in items)
    for item in items:
        if counts[item.nodeid] > 1 and item.parent is not None:
            nodeid = f"{item.parent.nodeid}::{item.name}"
            if hasattr(item, "_id"):  # pytest 9.2 keeps the id as a structured NodeId
                from _pytest.nodeid import coerce_node_id

                item._id = coerce_node_id(nodeid)
            else:
                item._nodeid = nodeid  # type: ignore[attr-defined]
    shared = [nodeid for nodeid, n in collections.Counter(item.nodeid for item in items).items() if n > 1]
    if shared:
        raise pytest.UsageError(f"tests share a node id (pytest-xdist would run one of each): {shared[:3]}")


@functools.cache
def has_module_fixture(path: Path) -> bool:
    """Whether the test module at ``path`` defines a module-scoped fixture (a server, the built
    wheel): its tests then run on one worker, which makes the fixture once."""
    return path.suffix == ".py" and 'scope="module"' in path.read_text(encoding="utf-8")


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Under pytest-xdist, tests are handed out one at a time, except that a module with a
    module-scoped fixture goes to one worker as a whole. (xdist's own ``--dist loadgroup`` reads
    groups from marks it finds in the test ids, which this pytest no longer lets it write.)"""
    if config.getvalue("dist") != "load":
        return None  # another --dist asked for by name
    from xdist.scheduler import LoadScopeScheduling

    class ModulesWithFixtures(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if has_module_fixture(config.rootpath / module) else nodeid

    return ModulesWithFixtures(config, log)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """What a marker expression leaves out is not even imported: with ``not browser``, the
    folder tests/browser; with ``not slow``, a module marked slow as a whole (``pytestmark =
    pytest.mark.slow``: building some of them takes seconds, the schema tests make their cases
    while pytest collects)."""
    expression = config.option.markexpr or ""
    if "not browser" in expression and collection_path == ROOT / "tests" / "browser":
        return True
    if collection_path.suffix == ".py" and "not slow" in expression:
        if "\npytestmark = pytest.mark.slow" in collection_path.read_text(encoding="utf-8"):
            return True
    return None


@pytest.fixture(autouse=True)
def _running_test(request: pytest.FixtureRequest) -> Iterator[None]:
    _running.append(request.node)
    try:
        yield
    finally:
        _running.pop()


def _check_marked() -> None:
    """A test that starts a server must carry the ``server`` or ``browser`` mark."""
    if _running and not any(_running[-1].get_closest_marker(m) for m in ("server", "browser")):
        raise RuntimeError(
            f"{_running[-1].nodeid} starts a server but is not marked: add @pytest.mark.server "
            "(make test-fast leaves out the tests marked so)"
        )


class LiveServer(str):
    """The base URL of a running server; ``.process``, ``.db`` and ``.log`` (its output) for
    tests that need them."""

    process: subprocess.Popen | ForkedProcess
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


class _Forking:
    """The fork server of this test process (tests/forkserver.py), started when a test first
    starts a server; benchmarks, which import these helpers outside pytest, start theirs the
    ordinary way."""

    def __init__(self) -> None:
        self.enabled = False
        self.environment: dict[str, str] = {}  # the fork server's own: the tests' at their start
        self._server: ForkServer | None = None

    def server(self) -> ForkServer:
        if self._server is None or self._server.process.poll() is not None:
            self._server = ForkServer(ROOT, self.environment)
        return self._server

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


_forking = _Forking()


def pytest_configure(config: pytest.Config) -> None:
    _forking.enabled = True
    _forking.environment = dict(os.environ)


def pytest_unconfigure(config: pytest.Config) -> None:
    _forking.close()


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
    fork: bool = True,
) -> LiveServer:
    """Run ``command`` (a server listening on loopback ``port``, environment ``env`` exactly),
    its output in a log file beside ``db`` (in a temporary folder for a database URL); wait
    until ``/api/health`` answers (and ``ready``, when given, says so). The one way every test
    and benchmark starts a server."""
    _check_marked()
    # A log file rather than a pipe: an unread pipe fills up and blocks the server.
    folder = Path(tempfile.mkdtemp(prefix="server-log-")) if is_url(db) else Path(db).parent
    log = folder / f"server-{port}.log"
    process: subprocess.Popen | ForkedProcess
    if fork and _forking.enabled and forkable(command):
        process = _forking.server().spawn(command, env=env, cwd=cwd, log=log)
    else:
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
    fork: bool = True,
) -> LiveServer:
    """uvicorn on loopback with ``BACKPROP_EXPLORER_DB=db``, healthy. ``args``: more uvicorn
    options (``--workers``); ``app``/``app_dir``: another ASGI app to serve (the benchmarks'
    hello-world baseline), which must answer ``GET /api/health`` too; ``cwd``: the folder it
    runs in; ``fork=False``: a new process even under pytest (tests/forkserver.py)."""
    port = port or free_port()
    command = [sys.executable, "-m", "uvicorn", app, *(["--app-dir", str(app_dir)] if app_dir else [])]
    command += ["--host", "127.0.0.1", "--port", str(port), *args]
    process_env = {**os.environ, "BACKPROP_EXPLORER_DB": str(db), **(env or {})}
    return start_process(
        command, port=port, db=db, env=process_env, cwd=cwd, timeout=timeout, ready=ready, fork=fork
    )


def stop_server(server: LiveServer, sig: int = signal.SIGTERM) -> None:
    """Stop the server with ``sig`` (SIGKILL to simulate a crash) and reap it."""
    server.stop(sig)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright, started once per test process: its sync API runs one instance per thread,
    shared by every browser the tests launch (tests/browser, tests/app/test_security_browser.py)."""
    from playwright.sync_api import sync_playwright  # imported by the tests that drive a browser only

    with sync_playwright() as started:
        yield started


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
        ended = server.process.poll()  # it serves every test of this process: it must not end
        stop_server(server)
    if ended is not None:
        tail = "\n".join(server.output.splitlines()[-20:])
        raise RuntimeError(f"the shared server ended during the tests (exit code {ended}); its log:\n{tail}")
