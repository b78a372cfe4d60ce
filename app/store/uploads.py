"""Uploaded datasets in the store: a row each, owned and counted like networks
(``accounts.py``): the document apart from its arrays, the arrays, and in columns what a
listing shows (so a listing reads no JSON)."""

from __future__ import annotations

import builtins
import json
import time

from ..config import Limits
from ..errors import DomainError
from . import accounts
from .sql import ARRAY_KEYS, NO_LIMIT, Database, dumps

# What a listing shows of an upload, in columns of its own (schema version 4).
SUMMARY = ("n_samples", "n_features", "n_targets", "task", "standardized", "standardized_targets")


class DatasetInUse(DomainError):
    status_code = 409


class Uploads:
    """The dataset methods of :class:`~.store.Store`."""

    _db: Database
    limits: Limits

    def save_dataset(self, dataset_id: str, doc: dict, owner: str = "") -> None:
        info = {k: v for k, v in doc.items() if k not in ARRAY_KEYS}
        arrays = {k: doc[k] for k in ARRAY_KEYS}
        info_text, arrays_text = dumps(info), dumps(arrays)
        size = len(info_text) + len(arrays_text)
        summary = (
            doc.get("n_samples", len(doc["inputs"])), len(doc.get("feature_names") or ()),
            len(doc.get("target_names") or ()), doc.get("task"),
            int(bool(doc.get("standardized"))), int(bool(doc.get("standardized_targets"))),
        )  # fmt: skip
        with self._db.transaction() as conn:
            conn.execute(
                f"INSERT INTO datasets (id, info, arrays, created_at, owner, bytes, {', '.join(SUMMARY)})"
                f" VALUES (?, ?, ?, ?, ?, ?, {', '.join('?' * len(SUMMARY))})",
                (dataset_id, info_text, arrays_text, time.time(), owner, size, *summary),
            )
            accounts.check(conn, owner, self.limits, kind="datasets", added=True, grew=True)

    def load_dataset(self, dataset_id: str) -> dict | None:
        with self._db.connection() as conn:
            row = conn.execute("SELECT info, arrays FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return None if row is None else {**json.loads(row[0]), **json.loads(row[1])}

    def list_datasets(
        self, *, owner: str | None = None, limit: int | None = None, offset: int = 0
    ) -> builtins.list[dict]:
        """What a listing shows of each upload (counts, not columns), oldest first: ``owner``'s,
        or every one (None)."""
        where, args = ("WHERE owner = ?", (owner,)) if owner is not None else ("", ())
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT id, {', '.join(SUMMARY)}, created_at, bytes FROM datasets {where}"
                " ORDER BY created_at, id LIMIT ? OFFSET ?",
                (*args, NO_LIMIT if limit is None else limit, offset),
            ).fetchall()
        listing = [
            dict(zip(("dataset_id", *SUMMARY, "created_at", "bytes"), row, strict=True)) for row in rows
        ]
        for item in listing:
            item["standardized"] = bool(item["standardized"])
            item["standardized_targets"] = bool(item["standardized_targets"])
        return listing

    def count_datasets(self, owner: str | None = None) -> int:
        with self._db.connection() as conn:
            if owner is None:
                (count,) = conn.execute("SELECT COUNT(*) FROM datasets").fetchone()
            else:
                (count,) = conn.execute("SELECT COUNT(*) FROM datasets WHERE owner = ?", (owner,)).fetchone()
        return count

    def _delete_dataset(self, dataset_id: str) -> bool:
        with self._db.transaction() as conn:
            # Locked first: a network being created on it waits, then finds it gone.
            conn.execute("SELECT 1 FROM datasets WHERE id = ? FOR UPDATE", (dataset_id,))
            (users,) = conn.execute(
                "SELECT COUNT(*) FROM networks WHERE dataset_id = ?", (dataset_id,)
            ).fetchone()
            if users:
                raise DatasetInUse(f"dataset {dataset_id!r} is used by {users} network(s): delete them first")
            deleted = conn.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,)).rowcount
        return deleted > 0

    def delete_dataset(self, dataset_id: str) -> bool:
        """Delete an uploaded dataset (even on a full disk); :class:`DatasetInUse` while a
        network uses it."""
        deleted = self._db.with_room(lambda: self._delete_dataset(dataset_id))
        if deleted:
            self._db.compact()
        return deleted

    def dataset_size(self, dataset_id: str) -> int | None:
        with self._db.connection() as conn:
            row = conn.execute("SELECT bytes FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return None if row is None else row[0]

    def dataset_owner(self, dataset_id: str) -> str | None:
        if "\x00" in dataset_id:  # as Store.owner_of
            return None
        with self._db.connection() as conn:
            row = conn.execute("SELECT owner FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return None if row is None else row[0]
