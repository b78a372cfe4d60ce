"""What the store asks of a database, whichever it is: connections, transactions, a hold on one
network across every process, and the few statements SQL dialects write differently.

The store's SQL is written once, in the common subset of SQLite and PostgreSQL, with ``?``
for parameters and PostgreSQL's row-lock clauses (``FOR UPDATE``, ``FOR SHARE``,
``SKIP LOCKED``) where concurrent writers must not interleave. Each backend's
:class:`Connection` turns it into its own form: PostgreSQL's driver takes ``%s``; SQLite
runs one writer at a time on the whole file (``BEGIN IMMEDIATE``), so it drops the lock
clauses, which it does not know.

A backend's native errors leave it as :class:`~app.errors.StorageError`: nothing above
``app/store`` sees ``sqlite3`` or ``psycopg``.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from functools import lru_cache
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
# Writes one network document of the oldest format (with its timestamps) in the current schema.
MigrateNetwork = Callable[["Connection", dict, float, float], None]
ARRAY_KEYS = ("inputs", "targets")
NO_LIMIT = 2**62  # LIMIT for "all rows" (SQLite needs a LIMIT before an OFFSET)
ROW_LOCKS = re.compile(r"\s+FOR\s+(?:UPDATE|SHARE)(?:\s+(?:SKIP\s+LOCKED|NOWAIT))?\b")


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(ABC):
    """One database connection, for the duration of a ``with`` block of :class:`Database`."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @abstractmethod
    def json_values(self, column: str, paths: Sequence[Sequence[str]]) -> str:
        """An SQL expression: the values at ``paths`` (two or more, each a list of keys) of the
        JSON text in ``column``, as the text of a JSON array in that order (null where missing)."""


class Database(ABC):
    """A place the store keeps everything: a SQLite file or a PostgreSQL database."""

    kind: str  # "sqlite" or "postgresql"
    schema_version: int  # the version of the schema it keeps (upgraded to it when opened)

    @abstractmethod
    def connection(self) -> AbstractContextManager[Connection]:
        """A connection for reads, this thread's own until the block ends."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Connection]:
        """A connection in a transaction: committed at the end of the block, rolled back if it
        raises. Writes of different transactions never interleave on the rows they lock."""

    @abstractmethod
    def reading(self) -> AbstractContextManager[Connection]:
        """A connection that sees one state of the whole database until the block ends, however
        other connections write meanwhile (a copy, a check)."""

    @abstractmethod
    def hold(self, network_id: str) -> AbstractContextManager[None]:
        """Exclusive use of one network by this thread, against every thread of every process
        on this database; :class:`~app.store.locks.NetworkBusy` after waiting too long."""

    @abstractmethod
    def prepare(self, migrate_network: MigrateNetwork, step_loss_cap: int) -> None:
        """Create the schema, or bring an older one to the current version in place.
        ``migrate_network`` writes a network document of the oldest format in rows;
        ``step_loss_cap`` is ``max_step_losses`` (what sizes counted anew count)."""

    @abstractmethod
    def check_writable(self) -> None:
        """Raise StorageError when the database can be read but not written."""

    @abstractmethod
    def integrity(self) -> list[str]:
        """The database's own check of its files and indexes: each problem found (none: [])."""

    def with_room(self, write: Callable[[], T]) -> T:
        """Run a write that frees space (a delete), making room for it on a full disk if the
        backend can."""
        return write()

    def compact(self) -> None:  # noqa: B027 (a backend that has nothing to do keeps this one)
        """Give the space of deleted rows back to the disk, if the backend does not on its own."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def describe(self) -> str:
        """Where the data is, for messages (a file path, or a URL without its password)."""


@lru_cache(maxsize=512)
def without_row_locks(sql: str) -> str:
    return ROW_LOCKS.sub("", sql)


@lru_cache(maxsize=512)
def with_format_params(sql: str) -> str:
    """``?`` parameters as ``%s`` (and a literal ``%`` doubled) for PostgreSQL's driver."""
    return sql.replace("%", "%%").replace("?", "%s")


def is_postgres(target: object) -> bool:
    """A ``postgresql://`` (or ``postgres://``) URL, not a file's path."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def without_password(url: str) -> str:
    """A database URL fit to print: its password (in the address or the query) as ``***``."""
    url = re.sub(r"(://[^:@/]*):[^@/]*@", r"\1:***@", url)
    return re.sub(r"(password=)[^&]*", r"\1***", url)


def statements(script: str) -> Iterator[str]:
    """The statements of a script of plain DDL (no ``;`` inside a statement)."""
    for statement in script.split(";"):
        if statement.strip():
            yield statement


def dumps(doc: object) -> str:
    # allow_nan=False: a non-finite number must never be stored (it could not be served).
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)
