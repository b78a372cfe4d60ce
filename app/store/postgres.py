"""The store in a PostgreSQL database: one database for several app servers on several hosts.

Needs the ``postgres`` extra (``pip install 'backprop-explorer[postgres]'``: psycopg 3 and its
pool). Every process keeps a pool of connections (at most ``max_db_connections``), in
autocommit; a :meth:`~PostgresDatabase.transaction` runs ``BEGIN`` … ``COMMIT`` at READ
COMMITTED, and the rows a write must see unchanged are locked (``FOR UPDATE``/``FOR SHARE``
in the store's SQL).

A network is held across hosts with a session advisory lock keyed by a hash of its id
(:meth:`~PostgresDatabase.hold`): the holding thread keeps that one connection for every query
until it lets go, so it never needs a second one from the pool, and PostgreSQL releases the
lock when the connection ends, a killed server's included. The version check in every save
(``Store.save``) reads the network's row ``FOR UPDATE``, so even a writer that skipped the
lock could not overwrite an update unseen.
"""

from __future__ import annotations

import hashlib
import select
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as missing:  # the extra is not installed
    raise ImportError(
        "a postgresql:// database needs psycopg: pip install 'backprop-explorer[postgres]'"
    ) from missing

from ..errors import InvalidInput, StorageError
from . import postgres_schema
from .locks import WAIT_SECONDS, NetworkBusy, ThreadLocks
from .sql import Connection, Cursor, Database, MigrateNetwork, with_format_params, without_password

MIGRATION_LOCK = 0x6270_6578_706C_6F72  # the advisory lock two servers starting together take
POOL_WAIT_SECONDS = 10.0  # for a pooled connection (then 503: the database is down, or all busy)


def lock_key(network_id: str) -> int:
    """A network's advisory lock: 64 bits of a hash of its id (two ids sharing one would only
    be held together)."""
    return int.from_bytes(hashlib.sha256(network_id.encode()).digest()[:8], "big", signed=True)


def _alive(conn: psycopg.Connection) -> None:
    """The pool's check of a connection it hands out, without a round trip: an idle connection
    with something to read has been closed by the server (a restart, an administrator), so
    it is dropped and another one used, instead of failing the request that gets it."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    readable, _, _ = select.select([conn.fileno()], [], [], 0)
    if readable:
        conn.close()  # closed, the pool makes another one in its place
        raise psycopg.OperationalError("the server closed the connection")


def storage_error(exc: Exception) -> StorageError:
    """The readable problem behind a psycopg error (None for a bug: 500)."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    problem: str | None = None
    if isinstance(exc, PoolTimeout):
        problem = (
            f"all of this server's connections to the database stayed busy for {POOL_WAIT_SECONDS:.0f} s: "
            "try again"
        )
    elif isinstance(exc, pg_errors.DiskFull):
        problem = "the disk holding the database is full: free some space, then try again"
    elif isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        problem = "the database is read-only, so nothing can be saved"
    elif isinstance(exc, pg_errors.InsufficientPrivilege):
        problem = f"the database user may not read or write the tables ({first_line})"
    elif isinstance(exc, pg_errors.DeadlockDetected | pg_errors.SerializationFailure):
        problem = "two writers met in the database: try again"
    elif isinstance(exc, pg_errors.LockNotAvailable | pg_errors.QueryCanceled):
        problem = "the database is locked by another process: try again"
    elif isinstance(exc, psycopg.OperationalError):
        problem = f"the database server cannot be reached ({first_line})"
    return StorageError(first_line, problem, full=isinstance(exc, pg_errors.DiskFull))


class PostgresConnection(Connection):
    __slots__ = ("raw",)

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        if not params:
            return self.raw.execute(sql)
        if _holds_nul(params):
            return _unmatched(sql)
        return self.raw.execute(with_format_params(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if any(_holds_nul(row) for row in rows):
            _unmatched(sql)
        with self.raw.cursor() as cursor:
            cursor.executemany(with_format_params(sql), rows)

    def json_values(self, column: str, paths: Sequence[Sequence[str]]) -> str:
        # The text parsed once per row, then each path read from it.
        values = ", ".join("j #> '{" + ",".join(path) + "}'" for path in paths)
        return f"(SELECT json_build_array({values})::text FROM (SELECT {column}::json AS j) AS parsed)"


def _holds_nul(params: Sequence[Any]) -> bool:
    return any(isinstance(value, str) and "\x00" in value for value in params)


class _NoRows:
    rowcount = 0

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list:
        return []

    def __iter__(self) -> Iterator[Any]:
        return iter(())


def _unmatched(sql: str) -> Cursor:
    """A statement with a NUL character in a text parameter. PostgreSQL's text cannot hold one,
    so no stored row has one: a lookup or a deletion matches nothing (as on SQLite, where an id
    never holds one either); writing one is refused."""
    if sql.lstrip().upper().startswith(("SELECT", "DELETE")):
        return _NoRows()
    raise InvalidInput("text with a NUL character (\\u0000) cannot be stored")


class PostgresDatabase(Database):
    kind = "postgresql"
    schema_version = postgres_schema.SCHEMA_VERSION

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        try:  # one connection first: a wrong URL or a server down is one clear error now
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            raise storage_error(exc) from None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(2, pool_size),
            kwargs={"autocommit": True},
            configure=self._configure,
            check=_alive,
            timeout=POOL_WAIT_SECONDS,
            name="backprop-explorer",
            open=True,
        )
        self._local = threading.local()  # .conn: the connection a holding thread keeps
        self._threads = ThreadLocks()

    @staticmethod
    def _configure(conn: psycopg.Connection) -> None:
        # A lock (a network held by another server, a row another writer is saving) is waited
        # for this long, then the request answers 409/503 instead of hanging.
        conn.execute(f"SET lock_timeout = '{int(WAIT_SECONDS)}s'")
        conn.execute("SET application_name = 'backprop-explorer'")

    def describe(self) -> str:
        return without_password(self.url)

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _borrowed(self) -> Iterator[PostgresConnection]:
        pinned = getattr(self._local, "conn", None)
        if pinned is not None:
            yield pinned
            return
        raw, pooled = self._take()
        try:
            yield PostgresConnection(raw)
        finally:
            if pooled:
                self._pool.putconn(raw)  # rolled back first if the block left a transaction open
            else:
                raw.close()

    def _take(self) -> tuple[psycopg.Connection, bool]:
        """A connection from the pool, and whether it came from it. The pool grows on demand;
        when it cannot (the database was down: it then retries on a slowing schedule), a
        connection of this request's own is made, if the database is up now, so requests
        succeed as soon as it is back."""
        try:
            return self._pool.getconn(timeout=1.0), True
        except PoolTimeout:
            if self._pool.get_stats().get("pool_size", 0) >= self._pool.max_size:
                return self._pool.getconn(timeout=POOL_WAIT_SECONDS), True  # all made, all busy
        raw = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        try:
            self._configure(raw)
        except BaseException:
            raw.close()
            raise
        return raw, False

    @contextmanager
    def connection(self) -> Iterator[PostgresConnection]:
        try:
            with self._borrowed() as conn:
                yield conn
        except (psycopg.Error, PoolTimeout) as exc:
            raise storage_error(exc) from exc

    @contextmanager
    def transaction(self) -> Iterator[PostgresConnection]:
        with self.connection() as conn, conn.raw.transaction():
            yield conn

    @contextmanager
    def reading(self) -> Iterator[PostgresConnection]:
        with self.connection() as conn, conn.raw.transaction(force_rollback=True):
            conn.raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield conn

    @contextmanager
    def hold(self, network_id: str) -> Iterator[None]:
        key = lock_key(network_id)
        with self._threads.hold(network_id), self.connection() as conn:
            outermost = getattr(self._local, "conn", None) is None
            try:
                conn.raw.execute("SELECT pg_advisory_lock(%s)", (key,))
            except pg_errors.LockNotAvailable:
                raise NetworkBusy(network_id) from None
            self._local.conn = conn
            try:
                yield
            finally:
                if outermost:
                    self._local.conn = None
                if not conn.raw.closed:
                    conn.raw.execute("SELECT pg_advisory_unlock(%s)", (key,))

    def prepare(self, migrate_network: MigrateNetwork, step_loss_cap: int) -> None:
        """Apply the migrations this database lacks (all of them to a new one)."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            found = 0
            if conn.execute("SELECT to_regclass('meta')").fetchone()[0] is not None:
                row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                found = int(row[0]) if row else 0
            if found > postgres_schema.SCHEMA_VERSION:
                raise StorageError(
                    f"schema version {found}",
                    f"it was written by a newer release (schema version {found}; this release "
                    f"reads up to {postgres_schema.SCHEMA_VERSION}): upgrade backprop-explorer",
                )
            for version, script in sorted(postgres_schema.MIGRATIONS.items()):
                if version > found:
                    conn.execute(script)
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(postgres_schema.SCHEMA_VERSION),),
            )

    def check_writable(self) -> None:
        """A read-only server or a user without write rights shows on a write; this one changes
        nothing and is rolled back."""
        try:
            with self._pool.connection() as raw:
                with raw.transaction(force_rollback=True):
                    raw.execute("UPDATE meta SET value = value WHERE false")
        except (psycopg.Error, PoolTimeout) as exc:
            raise storage_error(exc) from None

    def integrity(self) -> list[str]:
        """PostgreSQL's amcheck over every table and b-tree index of the store (the extension is
        created if missing, which needs a superuser)."""
        with self.connection() as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
            problems = []
            tables = conn.execute(
                "SELECT c.oid, c.relname FROM pg_class c WHERE c.relkind = 'r'"
                " AND c.relnamespace = current_schema()::regnamespace ORDER BY c.relname"
            ).fetchall()
            for oid, name in tables:
                for block, offset, message in conn.execute(
                    "SELECT blkno, offnum, msg FROM verify_heapam(?)", (oid,)
                ).fetchall():
                    problems.append(f"table {name}, block {block}, item {offset}: {message}")
            indexes = conn.execute(
                "SELECT c.oid, c.relname FROM pg_class c JOIN pg_am a ON a.oid = c.relam"
                " WHERE c.relkind = 'i' AND a.amname = 'btree'"
                " AND c.relnamespace = current_schema()::regnamespace ORDER BY c.relname"
            ).fetchall()
            for oid, name in indexes:
                try:
                    with conn.raw.transaction():
                        conn.raw.execute("SELECT bt_index_check(%s, true)", (oid,))
                except pg_errors.IndexCorrupted as exc:
                    problems.append(f"index {name}: {exc}")
        return problems
