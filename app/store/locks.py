"""Per-network locks that hold across threads and across processes sharing one database.

Within a process a ``threading.Lock`` per network serializes threads (:class:`ThreadLocks`,
for every backend). Between processes on PostgreSQL, an advisory lock does (``postgres.py``).
Between processes on one SQLite file (two servers on one file, or ``uvicorn --workers N``)
an open-file-description lock (Linux
``F_OFD_SETLK``) on one byte of ``<db>-locks`` does: the byte's offset is derived from the
network id, the kernel releases it when its holder dies (even by ``kill -9``), and it never
touches the database file itself (closing any descriptor of a file drops a process's POSIX
locks on it, which would break SQLite's own). Where OFD locks do not exist (macOS), a
process-wide ``lockf`` does the same for one Store per process; without ``fcntl`` (Windows)
only threads are serialized.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from ..errors import DomainError

WAIT_SECONDS = 30.0  # as long as a database waits for a lock (SQLite's busy_timeout)
log = logging.getLogger(__name__)


class NetworkBusy(DomainError):
    """Another server process kept the network locked for longer than WAIT_SECONDS."""

    status_code = 409
    code = "network_locked"

    def __init__(self, network_id: str) -> None:
        super().__init__(
            f"network {network_id!r} has been busy in another server process for "
            f"{WAIT_SECONDS:.0f} s (a long train?); retry later or POST …/stop"
        )


def _offset(network_id: str) -> int:
    # 56 bits of a hash: two ids sharing a byte would only be serialized together.
    return int.from_bytes(hashlib.sha256(network_id.encode()).digest()[:7], "big")


class _FileLocks:
    """One exclusive byte per network in a lock file beside the database."""

    def __init__(self, path: Path) -> None:
        assert fcntl is not None
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._ofd = hasattr(fcntl, "F_OFD_SETLK")

    def _fcntl(self, lock_type: int, start: int) -> None:
        assert fcntl is not None
        if self._ofd:
            # struct flock: l_type, l_whence, l_start, l_len, l_pid (0 for OFD locks).
            fcntl.fcntl(
                self._fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi4x", lock_type, os.SEEK_SET, start, 1, 0)
            )
        else:
            flags = fcntl.LOCK_UN if lock_type == fcntl.F_UNLCK else fcntl.LOCK_EX | fcntl.LOCK_NB
            fcntl.lockf(self._fd, flags, 1, start, os.SEEK_SET)

    def acquire(self, network_id: str) -> None:
        assert fcntl is not None
        start, deadline, pause = _offset(network_id), time.monotonic() + WAIT_SECONDS, 0.001
        while True:
            try:
                self._fcntl(fcntl.F_WRLCK, start)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() > deadline:
                raise NetworkBusy(network_id)
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def release(self, network_id: str) -> None:
        assert fcntl is not None
        self._fcntl(fcntl.F_UNLCK, _offset(network_id))

    def close(self) -> None:
        """Close the lock file, once: closing a descriptor number twice would close whatever
        file or socket has been given that number since."""
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)


class ThreadLocks:
    """``hold(id)``: one thread of this process at a time per network."""

    def __init__(self) -> None:
        self._threads: dict[str, tuple[threading.Lock, int]] = {}  # lock and how many want it
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, network_id: str) -> Iterator[None]:
        with self._guard:
            lock, wanting = self._threads.get(network_id, (threading.Lock(), 0))
            self._threads[network_id] = (lock, wanting + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, wanting = self._threads[network_id]
                if wanting == 1:
                    del self._threads[network_id]  # bounded by the networks in use, not all ever seen
                else:
                    self._threads[network_id] = (lock, wanting - 1)


class NetworkLocks:
    """``hold(id)``: one holder per network, across this process's threads and the other
    processes on one SQLite file."""

    def __init__(self, lock_file: Path | None) -> None:
        self._files = None
        if lock_file is not None and fcntl is not None:
            try:
                self._files = _FileLocks(lock_file)
            except OSError as exc:
                # A read-only folder: nothing can be written there, so nothing can be lost either.
                log.warning("no cross-process locks (%s): serializing this process's threads only", exc)
        self._threads = ThreadLocks()

    @contextmanager
    def hold(self, network_id: str) -> Iterator[None]:
        with self._threads.hold(network_id):
            if self._files is None:
                yield
            else:
                self._files.acquire(network_id)
                try:
                    yield
                finally:
                    self._files.release(network_id)

    def close(self) -> None:
        if self._files is not None:
            self._files.close()
