"""Room on the disk: deleting frees space even when the disk is full, and gives it back.

A DELETE writes a little before it frees anything (SQLite's log), so on a full disk it would
fail (503) and space could not be freed through the app. :class:`Space` runs every freeing
write through its database's ``with_room``, then lets the database give the freed space back
(``compact``). On SQLite (``sqlite.py``) a :class:`Reserve` of :data:`RESERVE_BYTES` beside
the file is given up to make room and made again once there is room; the freed pages go back
to the disk a few at a time. PostgreSQL's server keeps its own disk: its autovacuum reuses
the space, and nothing is kept beside it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .sql import Database

T = TypeVar("T")
RESERVE_BYTES = 8 * 1024 * 1024  # kept free beside the database so a DELETE fits on a full disk


class Space:
    """The store's part that frees room (a base of :class:`~app.store.Store`)."""

    _db: Database

    def compact(self) -> None:
        """Give the space of deleted rows back to the disk (SQLite; PostgreSQL's autovacuum
        does it on its own), and make the reserve again."""
        self._db.compact()

    def _with_room(self, write: Callable[[], T]) -> T:
        """Run a write that frees space, making room for it first if the disk is full."""
        return self._db.with_room(write)


class Reserve:
    """A file of :data:`RESERVE_BYTES` beside the database: when the disk is full, deleting it
    makes room for a DELETE (which writes a little before it frees anything); it is made
    again once there is room."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fill()

    def fill(self) -> None:
        if self.path.exists():
            return
        try:
            with open(self.path, "wb") as file:
                os.posix_fallocate(file.fileno(), 0, RESERVE_BYTES)
        except OSError:
            self.path.unlink(missing_ok=True)  # no room now: made again after the next deletion

    def release(self) -> bool:
        """Delete the reserve; False when there was none to delete."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True
