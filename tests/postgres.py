"""A throwaway PostgreSQL cluster for the tests and the benchmarks.

:class:`Cluster` runs ``initdb`` in a new temporary folder and ``pg_ctl start`` on a free
loopback port (its Unix socket in that folder too), and ``stop`` removes it all. PostgreSQL
refuses to run as root, so under root (CI) the folder is handed to an unprivileged user
(``nobody``) and the server runs as that user through ``runuser``. Each test gets a store of
its own: a schema of one shared database (:meth:`Cluster.create_store`: its URL names the
schema in ``search_path``, and the store keeps all its tables, functions and triggers in
``current_schema()``), which costs a few milliseconds where a whole new database
(:meth:`Cluster.create_database`, for the tests that need one) costs a copy of the template.
A cluster whose test process died without stopping it (killed) is stopped and removed by the
next one started. The binaries are found
on ``PATH`` or in Debian's ``/usr/lib/postgresql/<version>/bin``;
``scripts/ensure-postgres.sh`` installs them.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import psycopg.errors

PREFIX = "backprop-pg-"  # the temporary folders' names
UNPRIVILEGED = "nobody"  # who runs the server when the tests run as root
SUPERUSER = "backprop"  # the cluster's superuser, trusted on loopback (a throwaway cluster)


def binaries() -> Path:
    """The folder holding ``initdb`` and ``pg_ctl``."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: [int(part) for part in re.findall(r"\d+", path.parent.parent.name)],
    )
    if versions:
        return versions[-1].parent
    raise RuntimeError("PostgreSQL's initdb was not found: run scripts/ensure-postgres.sh (or make test)")


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """One PostgreSQL server in a temporary folder. ``durable=False`` (the tests) turns off
    fsync: the tests kill app servers, never PostgreSQL, and a shared machine's disk is slow;
    the benchmark runs with PostgreSQL's defaults."""

    def __init__(self, *, durable: bool = False, max_connections: int = 200) -> None:
        self.durable, self.max_connections = durable, max_connections
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        (self.root / "owner").write_text(str(os.getpid()))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self.port = 0
        self._names = itertools.count(1)
        self._stores = ""  # the database holding the tests' stores, made on first use
        self._user = UNPRIVILEGED if os.geteuid() == 0 else None
        self._bin = binaries()
        atexit.register(self.stop)

    def _run(self, *args: str) -> None:
        command = [str(self._bin / args[0]), *args[1:]]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}{log}")

    def start(self) -> Cluster:
        self._remove_orphans()
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--no-sync",
                  "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.root),
            "max_connections": str(self.max_connections),
        }
        if not self.durable:
            settings |= {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.writelines(f"{key} = '{value}'\n" for key, value in settings.items())
        for _ in range(5):  # a port taken between choosing and binding it: choose again
            self.port = free_port()
            try:
                self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log),
                          "-o", f"-p {self.port}")  # fmt: skip
                return self
            except RuntimeError:
                if "could not bind" not in self.log.read_text(errors="replace"):
                    raise
        raise RuntimeError(f"PostgreSQL did not start: {self.log.read_text(errors='replace')}")

    def _remove_orphans(self) -> None:
        """Stop and remove the clusters of test processes that are gone."""
        for root in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
            try:
                owner = int((root / "owner").read_text())
                os.kill(owner, 0)
                continue  # its process is alive: not an orphan
            except ProcessLookupError:
                pass
            except (OSError, ValueError):
                continue  # not one of these (or not readable)
            if (root / "data" / "postmaster.pid").exists():
                command = [
                    str(self._bin / "pg_ctl"),
                    "stop",
                    "-m",
                    "immediate",
                    "-w",
                    "-D",
                    str(root / "data"),
                ]
                if self._user is not None:
                    command = ["runuser", "-u", self._user, "--", *command]
                subprocess.run(command, capture_output=True)
            shutil.rmtree(root, ignore_errors=True)

    def halt(self) -> None:
        """Stop the server (fast shutdown: open connections are closed), keeping its data."""
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def resume(self) -> None:
        """Start the halted server again on the same port."""
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log),
                  "-o", f"-p {self.port}")  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database; its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def create_store(self) -> str:
        """A new empty schema of the stores' database; a URL that puts it first on the search
        path of every connection made with it (the app's, and ``psycopg.connect``'s)."""
        if not self._stores:
            self._stores = self.create_database("stores").rsplit("/", 1)[1]
        name = f"store_{next(self._names)}"
        with psycopg.connect(self.url(self._stores), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url(self._stores)}?options=-csearch_path%3D{name}"

    def drop_store(self, url: str) -> None:
        """Drop a store made by :meth:`create_store`. A connection left in a transaction on it
        (a server killed mid-request whose backend lives on) is ended if it holds the drop up."""
        name = url.rsplit("%3D", 1)[1]
        with psycopg.connect(self.url(self._stores), autocommit=True) as conn:
            conn.execute("SET lock_timeout = '5s'")
            try:
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            except psycopg.errors.LockNotAvailable:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'",
                    (self._stores,),
                )
                conn.execute("SET lock_timeout = 0")
                conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.port and (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
            except RuntimeError:
                pass
        self.port = 0
        shutil.rmtree(self.root, ignore_errors=True)
