"""Uploaded datasets in the store: a row each, owned and counted like networks
(``accounts.py``): the document apart from its arrays (what a listing shows), then the
arrays."""

from __future__ import annotations

import builtins
import json
import time

from ..config import Limits
from ..errors import DomainError
from . import accounts
from .space import Space
from .sql import ARRAY_KEYS, NO_LIMIT, Database, dumps

# What a listing shows of an upload's document.
LISTED = (
    "file_name", "n_samples", "task", "index_column", "feature_names", "target_names", "class_names",
    "warnings", "standardized", "standardized_targets",
)  # fmt: skip


class DatasetInUse(DomainError):
    status_code = 409
    code = "dataset_in_use"


class Uploads(Space):
    """The store's uploads (a base of :class:`~.store.Store`)."""

    _db: Database
    limits: Limits

    def save_dataset(self, dataset_id: str, doc: dict, owner: str = "", exempt: bool = False) -> None:
        info = {k: v for k, v in doc.items() if k not in ARRAY_KEYS}
        arrays = {k: doc[k] for k in ARRAY_KEYS}
        info_text, arrays_text = dumps(info), dumps(arrays)
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO datasets (id, info, arrays, created_at, owner, bytes) VALUES (?, ?, ?, ?, ?, ?)",
                (dataset_id, info_text, arrays_text, time.time(), owner, len(info_text) + len(arrays_text)),
            )
            accounts.check(conn, owner, self.limits, kind="datasets", added=True, grew=True, exempt=exempt)

    def load_dataset(self, dataset_id: str) -> dict | None:
        with self._db.connection() as conn:
            row = conn.execute("SELECT info, arrays FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        return None if row is None else {**json.loads(row[0]), **json.loads(row[1])}

    def list_datasets(
        self, *, owner: str | None = None, limit: int | None = None, offset: int = 0
    ) -> builtins.list[dict]:
        """What a listing shows of each upload (its file name, shape, names and warnings, not its
        rows or each column's numbers), oldest first: ``owner``'s, or every one (None). Read
        from the part of the row without the arrays, whose names a listing shows anyway."""
        where, args = ("WHERE owner = ?", (owner,)) if owner is not None else ("", ())
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT id, created_at, bytes, info FROM datasets {where}"
                " ORDER BY created_at, id LIMIT ? OFFSET ?",
                (*args, NO_LIMIT if limit is None else limit, offset),
            ).fetchall()
        out = []
        for dataset_id, created, size, text in rows:
            info = json.loads(text)
            listed = {name: info.get(name) for name in LISTED}
            for name in ("standardized", "standardized_targets"):
                listed[name] = bool(listed[name])
            listed["warnings"] = listed["warnings"] or []
            out.append(
                {
                    "dataset_id": dataset_id,
                    **listed,
                    "n_features": len(listed["feature_names"] or ()),
                    "n_outputs": len(listed["target_names"] or ()),
                    "created_at": created,
                    "bytes": size,
                }
            )
        return out

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
                them = "it" if users == 1 else "them"
                raise DatasetInUse(
                    f"upload {dataset_id!r} is used by {users} network{'' if users == 1 else 's'}: "
                    f"delete {them} first (My networks), then the upload"
                )
            deleted = conn.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,)).rowcount
        return deleted > 0

    def delete_dataset(self, dataset_id: str) -> bool:
        """Delete an uploaded dataset (even on a full disk); :class:`DatasetInUse` while a
        network uses it."""
        deleted = self._with_room(lambda: self._delete_dataset(dataset_id))
        if deleted:
            self.compact()
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
