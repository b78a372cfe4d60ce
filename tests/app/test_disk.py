"""A database the server cannot write, with real files and real file systems: an unwritable
folder or a read-only file refuses to start with one line naming the path; a full disk or any
storage error met while serving answers 503 with a JSON detail naming it, and the server
recovers once the disk has room again."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from backprop_explorer.app.store.sqlite import STORAGE_PROBLEMS, storage_problem

from .serving import command, serve

IS_ROOT = os.geteuid() == 0
# Mounting a small tmpfs is the honest way to fill a disk; it needs root.
needs_root = pytest.mark.skipif(not IS_ROOT, reason="mounting a small tmpfs needs root")
ROWS = [[i / 100, (i % 7) / 7] for i in range(2_000)]
BIG = {"layers": [2, 4, 1], "data": {"inputs": ROWS, "targets": [[r[0]] for r in ROWS]}}


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """Make ``path`` (a file or a folder) unwritable even for root: immutable when root, else mode."""
    if IS_ROOT:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        with pytest.raises(PermissionError):  # the condition really holds
            if path.is_dir():
                (path / "probe").write_bytes(b"")
            else:
                path.open("ab").close()
        yield
    finally:
        if IS_ROOT:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            path.chmod(0o755 if path.is_dir() else 0o644)


@contextmanager
def small_disk(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def refused_start(args: list[str], env: dict[str, str] | None = None) -> str:
    """Run a server that must refuse to start; its output, which must not be a traceback."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=60, env={**inherited, **(env or {})}
    )
    assert result.returncode != 0, result.stdout + result.stderr
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output, output
    return output


def test_an_unwritable_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with unwritable(folder):
        db = folder / "networks.db"
        output = refused_start(command("serve", "--db", str(db), "--port", "1"))
        assert output.splitlines() == [
            f"backprop-explorer: cannot use the database {db}: the database file cannot be opened or "
            "created (is its folder writable?)"
        ]
        nested = folder / "sub" / "networks.db"
        output = refused_start(command("serve", "--db", str(nested), "--port", "1"))
        assert len(output.splitlines()) == 1
        assert output.startswith(f"backprop-explorer: cannot use the database {nested}: cannot create ")
        assert str(folder / "sub") in output


def test_a_read_only_database_is_refused_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "networks.db"
    server = serve(tmp_path, db=db)
    network_id = httpx.post(f"{server.url}/api/networks", json={"layers": [2, 1]}).json()["id"]
    server.stop()
    with unwritable(db):
        output = refused_start(command("serve", "--db", str(db), "--port", "1"))
        assert output.splitlines() == [
            f"backprop-explorer: cannot use the database {db}: "
            "the database is read-only, so nothing can be saved"
        ]
    server = serve(tmp_path, db=db)  # writable again: the network is intact
    try:
        assert httpx.get(f"{server.url}/api/networks/{network_id}").status_code == 200
    finally:
        server.stop()


def test_plain_uvicorn_refuses_in_one_line_too(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with unwritable(folder):
        db = folder / "networks.db"
        args = [sys.executable, "-m", "uvicorn", "backprop_explorer.app.main:app", "--port", "1"]
        output = refused_start(args, env={"BACKPROP_EXPLORER_DB": str(db)})
        assert f"backprop-explorer: cannot use the database {db}: " in output


@needs_root
def test_a_full_disk_answers_503_and_recovers(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "3m") as disk:
        server = serve(tmp_path, db=disk / "networks.db")
        try:
            filler = disk / "filler"
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            filler.write_bytes(b"\0" * (free - 256 * 1024))
            kept = httpx.post(f"{server.url}/api/networks", json={"layers": [2, 1]}).json()["id"]
            answers = []
            for _ in range(40):
                response = httpx.post(f"{server.url}/api/networks", json=BIG, timeout=30)
                answers.append(response.status_code)
                if response.status_code != 201:
                    break
            assert answers[-1] == 503, answers
            assert response.headers["content-type"] == "application/json"
            assert response.json() == {
                "detail": "the server cannot save or read networks now: the disk holding the database "
                "is full: free some space, then try again",
                "code": "storage_unavailable",
            }
            assert response.headers["retry-after"] == "5"
            assert httpx.get(f"{server.url}/api/networks/{kept}").status_code == 200
            filler.unlink()
            assert httpx.post(f"{server.url}/api/networks", json=BIG, timeout=30).status_code == 201
            assert httpx.post(f"{server.url}/api/networks/{kept}/step").status_code == 200
        finally:
            server.stop()


def sqlite_error(run) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as caught:
        run()
    return caught.value


def test_each_storage_problem_is_named(tmp_path: Path) -> None:
    """Real errors from SQLite, as a running server meets them (a disk remounted read-only
    cannot be staged while the server holds the file open for writing)."""
    db = tmp_path / "n.db"
    sqlite3.connect(db).executescript("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
    read_only = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    error = sqlite_error(lambda: read_only.execute("INSERT INTO t VALUES (2)"))
    assert storage_problem(error) == "the database is read-only, so nothing can be saved"

    full = sqlite3.connect(db, isolation_level=None)
    full.execute(f"PRAGMA max_page_count = {full.execute('PRAGMA page_count').fetchone()[0]}")
    error = sqlite_error(lambda: full.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,)))
    assert storage_problem(error) == STORAGE_PROBLEMS["SQLITE_FULL"]

    def rollback_after_full() -> None:
        try:
            full.execute("INSERT INTO t VALUES (?)", (b"x" * 100_000,))
        except sqlite3.Error:
            full.execute("ROLLBACK")  # no transaction is active: this error hides the first

    error = sqlite_error(rollback_after_full)
    assert "no transaction is active" in str(error)
    assert storage_problem(error) == STORAGE_PROBLEMS["SQLITE_FULL"]

    error = sqlite_error(lambda: sqlite3.connect(tmp_path / "missing" / "n.db"))
    assert storage_problem(error) == STORAGE_PROBLEMS["SQLITE_CANTOPEN"]
    (tmp_path / "junk.db").write_bytes(b"not a database" * 100)
    error = sqlite_error(lambda: sqlite3.connect(tmp_path / "junk.db").execute("SELECT * FROM t"))
    assert storage_problem(error) == STORAGE_PROBLEMS["SQLITE_NOTADB"]
    # A bug, not the storage: no 503 for it.
    error = sqlite_error(lambda: full.execute("SELECT * FROM no_such_table"))
    assert storage_problem(error) is None
