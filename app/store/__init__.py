"""The store: networks (spec, per-step state, data rows apart), their epoch history and
per-update losses (append-only), timeline snapshots, and uploaded datasets, in one SQLite file
(the default, ``sqlite.py``) or one PostgreSQL database (``postgres.py``).

The database is the source of truth, and every write commits before the function returns, so
a response is only sent for committed state. The SQL of this package runs on both databases
(``sql.py`` says how); each keeps its own schema (``sqlite_schema.py``,
``postgres_schema.py``), versioned and upgraded in place when the store opens.

Several server processes may share the database (``uvicorn --workers N``, two servers on one
SQLite file, or app servers on several hosts on one PostgreSQL): :meth:`Store.lock` holds the
network across threads *and* processes (a byte of a lock file, or an advisory lock), and
every save checks, inside its transaction, that the network is still at the version the
holder loaded, so no acknowledged write is ever overwritten unseen.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from ..config import Limits
from ..errors import DatabaseUnavailable, StorageError, describe_start_error
from .accounts import TEACHER
from .locks import NetworkBusy
from .sql import dumps, is_postgres, without_password
from .store import Store
from .uploads import DatasetInUse
from .writes import StaleWrite

__all__ = [
    "TEACHER", "DatasetInUse", "NetworkBusy", "StaleWrite", "Store", "dumps", "new_id", "open_store",
]  # fmt: skip


def new_id() -> str:
    """Unguessable ids for networks and datasets."""
    return secrets.token_urlsafe(16)


def open_store(target: Path | str, limits: Limits | None = None) -> Store:
    """The store at ``target``, checked writable; DatabaseUnavailable naming it otherwise."""
    where = without_password(str(target)) if is_postgres(target) else target
    try:
        store = Store(target, limits=limits)
    except (StorageError, OSError, ImportError) as exc:
        raise DatabaseUnavailable(where, describe_start_error(exc)) from None
    try:
        store.check_writable()
    except StorageError as exc:
        store.close()
        raise DatabaseUnavailable(where, describe_start_error(exc)) from None
    return store
