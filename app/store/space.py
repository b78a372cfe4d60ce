"""Room on the disk: deleting frees space even when the disk is full, and gives it back.

A DELETE writes a little to the database's log before it frees anything, so on a full disk
it failed (503) and space could not be freed through the app. :class:`Reserve` keeps a file of
:data:`RESERVE_BYTES` beside the database; :class:`Space` runs a freeing write, and when the
disk is full gives up the reserve and tries once more. After a deletion the freed pages go
back to the disk (``Database.compact``) and the reserve is made again if there is room.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .db import Database

T = TypeVar("T")
RESERVE_BYTES = 8 * 1024 * 1024  # kept free beside the database so a DELETE fits on a full disk


class Space:
    """The store's part that frees room (a base of :class:`~app.store.Store`)."""

    _db: Database
    _reserve: Reserve | None

    def compact(self) -> None:
        """Give the space of deleted rows back to the disk, and refill the reserve."""
        self._db.compact()
        if self._reserve is not None:
            self._reserve.fill()

    def _with_room(self, write: Callable[[], T]) -> T:
        """Run a write that frees space; if the disk is full, delete the reserve and retry once."""
        try:
            return write()
        except sqlite3.OperationalError as exc:
            full = (getattr(exc, "sqlite_errorname", "") or "").startswith("SQLITE_FULL")
            if not full or self._reserve is None or not self._reserve.release():
                raise
            return write()


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
