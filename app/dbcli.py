"""``backprop-explorer db copy SRC DST`` and ``backprop-explorer db check DB``: moving a class's
work between SQLite and PostgreSQL, and checking a store (after a crash, say).

A database is a SQLite file's path or a ``postgresql://`` URL, as for ``serve --db``. A SQLite
file to read (``check``'s DB, ``copy``'s SRC) must be there: opening it would create an empty
store that looks sound. Both commands open the store as a server does (an older schema is
upgraded in place first) with the limits of the environment (``BACKPROP_EXPLORER_MAX_*``),
which should be the servers'.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .config import database_from
from .errors import DatabaseUnavailable, DomainError, StorageError
from .store import Store, open_store
from .store.copy import CopyRefused, copy


def add_parser(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="copy a store between SQLite and PostgreSQL, or check one")
    commands = db.add_subparsers(dest="db_command", required=True)
    copying = commands.add_parser(
        "copy", help="copy every network, upload and snapshot of SRC into the empty DST"
    )
    copying.add_argument("source", metavar="SRC", help="a SQLite file or a postgresql:// URL")
    copying.add_argument("target", metavar="DST", help="a SQLite file or a postgresql:// URL (empty)")
    checking = commands.add_parser(
        "check", help="check a store: the database's own check of its files, and the store's totals"
    )
    checking.add_argument("database", metavar="DB", help="a SQLite file or a postgresql:// URL")


def run(args: argparse.Namespace) -> int:
    """The command's exit status; prints what it did or what is wrong."""
    try:
        if args.db_command == "copy":
            return _copy(args.source, args.target)
        return _check(args.database)
    except (DatabaseUnavailable, DomainError, CopyRefused, StorageError) as exc:
        print(f"backprop-explorer: {exc}")
        return 1


def sqlite_place(database: Path | str, *, existing: bool) -> None:
    """DatabaseUnavailable when ``database``, a SQLite file's path, names a file that is not there
    (``existing``: a store to read, which opening would create empty) or a folder that is not
    there (a mistyped path, more likely than a place to create). A URL passes."""
    if not isinstance(database, Path) or str(database) == ":memory:":
        return
    if existing and not database.exists():
        raise DatabaseUnavailable(database, "there is no such file (check the path)")
    if existing and database.is_dir():
        raise DatabaseUnavailable(database, "it is a folder, not a SQLite file")
    if not database.parent.is_dir():
        raise DatabaseUnavailable(
            database,
            f"cannot create it in {database.parent}: there is no such folder "
            "(check the path, or create the folder first)",
        )


def _copy(source_at: str, target_at: str) -> int:
    source_path, target_path = database_from(source_at), database_from(target_at)
    sqlite_place(source_path, existing=True)
    sqlite_place(target_path, existing=False)
    source = open_store(source_path)
    try:
        target = open_store(target_path)
        try:
            counts = copy(source, target)
        finally:
            target.close()
    finally:
        source.close()
    print(
        f"copied {counts['networks']} networks, {counts['datasets']} uploads, {counts['snapshots']} "
        f"snapshots, {counts['history']} epoch entries and {counts['step_losses']} update-loss rows "
        f"from {source.describe()} to {target.describe()}"
    )
    return 0


def _check(database: str) -> int:
    where = database_from(database)
    sqlite_place(where, existing=True)
    store: Store = open_store(where)
    try:
        problems = store.integrity()
        usage = store.usage(None)
    finally:
        store.close()
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        return 1
    held = f"{usage['networks']} networks, {usage['datasets']} uploads, {usage['bytes']} bytes"
    print(f"{store.describe()}: sound ({held})")
    return 0
