"""Open sessions kept per process, so a step does not decode the network it just saved.

Opening a stored network (reading its row, parsing the JSON, building the engine objects)
costs about a tenth of a ``/step``. After a successful commit the session in memory *is*
the stored version, so the next phase request on that network can reuse it — but only
after checking, under the network's lock, that the stored version is still the one the
session was committed as. Another process (``uvicorn --workers N``, a second server on the
file) or another code path that wrote the network bumped the version, and the request
decodes the stored network instead.

A session is taken out of the cache for the request that uses it and put back only after
that request committed: one that failed half-way (a 4xx from a phase, a non-finite update,
a stale write) never returns, so no half-changed session is ever reused.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from .codec import Session

MAX_SESSIONS = 64
# Numbers (parameters and optimizer state, counted three per parameter) held at most.
MAX_NUMBERS = 1_000_000


def _numbers(session: Session) -> int:
    return 3 * sum(layer.W.size + layer.b.size for layer in session.net.layers)


class Sessions:
    """network id → (stored version, session), least recently used first out."""

    def __init__(self, max_sessions: int = MAX_SESSIONS, max_numbers: int = MAX_NUMBERS) -> None:
        self._items: OrderedDict[str, tuple[int, Session, int]] = OrderedDict()
        self._numbers = 0
        self._max_sessions, self._max_numbers = max_sessions, max_numbers
        self._guard = threading.Lock()
        self.hits = 0  # sessions reused (for tests and benchmarks)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, network_id: object) -> bool:
        return network_id in self._items

    def take(self, network_id: str, version: int | None) -> Session | None:
        """The session committed as ``version`` (removed from the cache), or None."""
        with self._guard:
            item = self._items.pop(network_id, None)
            if item is not None:
                self._numbers -= item[2]
            if item is None or version is None or item[0] != version:
                return None
            self.hits += 1
        session = item[1]
        # What a freshly opened session starts with: traces are recomputed, nothing pending.
        session.fwd = session.lss = session.back = None
        session.snapshots, session.carried_history, session.other_step_losses = [], [], []
        session.committed_step = session.step
        return session

    def put(self, network_id: str, version: int, session: Session) -> None:
        """Keep ``session``, which was just committed as ``version``."""
        size = _numbers(session)
        with self._guard:
            old = self._items.pop(network_id, None)
            if old is not None:
                self._numbers -= old[2]
            if size > self._max_numbers:
                return
            self._items[network_id] = (version, session, size)
            self._numbers += size
            while len(self._items) > self._max_sessions or self._numbers > self._max_numbers:
                _, (_, _, dropped) = self._items.popitem(last=False)
                self._numbers -= dropped

    def drop(self, network_id: str) -> None:
        with self._guard:
            item = self._items.pop(network_id, None)
            if item is not None:
                self._numbers -= item[2]
