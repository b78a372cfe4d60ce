"""Per-network request admission: requests that change a network wait their turn in the event
loop, a bounded few at a time, so one busy network cannot hold the threads everyone needs.

A request that changes a network (every POST/PUT/PATCH/DELETE under ``/api/networks/{id}``
except the reads in :data:`READS` and ``stop``) takes that network's lock for as long as it
runs. Without admission, requests queued behind a long ``train`` each held a worker thread
while they waited; forty of them exhausted the pool and the whole server stopped answering,
``/stop`` included. Here they wait as coroutines instead:

- one request per network runs (per process: :meth:`Store.lock` serializes processes);
- up to ``Limits.max_waiting_requests`` more wait in the event loop, in arrival order;
- beyond that, 429 with a message saying so; while the network is training, 409 at once
  (a train can run for minutes): ``POST …/stop`` first.

Everything else (health, pages, static files, reads of any network, ``/stop``, other
networks) passes straight through.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from .config import Limits
from .errors import ErrorCode, error_json

PREFIX = "/api/networks/"
# POSTs under /api/networks/{id}/ that only read the network (no lock): they never queue.
READS = frozenset({"stop", "predict", "gradcheck", "landscape", "graph"})
# Not a network id: POST /api/networks/import creates a network.
NOT_IDS = frozenset({"import"})
TRAINING = "train"


@dataclass
class _Turns:
    """The requests of one network: the one running (its action) and how many wait."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    running: str | None = None
    waiting: int = 0


def locking_request(method: str, path: str) -> tuple[str, str] | None:
    """``(network_id, action)`` when the request takes the network's lock, else None.

    ``action`` is the path segment after the id (``""`` for the network itself).
    """
    if method in ("GET", "HEAD", "OPTIONS") or not path.startswith(PREFIX):
        return None
    network_id, _, rest = path[len(PREFIX) :].partition("/")
    if not network_id or network_id in NOT_IDS:
        return None
    action = rest.strip("/").split("/", 1)[0]
    if action in READS:
        return None
    return network_id, action


class Admission:
    """ASGI middleware: per-network turns, waited for in the event loop (see the module doc)."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.max_waiting = limits.max_waiting_requests
        self._networks: dict[str, _Turns] = {}

    def busy(self, network_id: str) -> tuple[str | None, int]:
        """The action running on the network (None when idle) and how many requests wait."""
        turns = self._networks.get(network_id)
        return (None, 0) if turns is None else (turns.running, turns.waiting)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = locking_request(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if wanted is None:
            await self.app(scope, receive, send)
            return
        network_id, action = wanted
        turns = self._networks.setdefault(network_id, _Turns())
        if turns.lock.locked():
            refusal = self._refusal(network_id, turns)
            if refusal is not None:
                await _reply(send, *refusal)
                self._forget_if_idle(network_id, turns)
                return
        turns.waiting += 1
        try:
            await turns.lock.acquire()
        finally:
            turns.waiting -= 1
        turns.running = action
        try:
            await self.app(scope, receive, send)
        finally:
            turns.running = None
            turns.lock.release()
            self._forget_if_idle(network_id, turns)

    def _refusal(self, network_id: str, turns: _Turns) -> tuple[int, ErrorCode, str] | None:
        if turns.running == TRAINING:
            return (
                409,
                "network_training",
                (
                    f"this network is training: POST /api/networks/{network_id}/stop first "
                    "(or wait for the run to finish)"
                ),
            )
        if turns.waiting >= self.max_waiting:
            return (
                429,
                "network_busy",
                (
                    f"this network is busy: one request is running and {turns.waiting} are waiting "
                    f"(the limit max_waiting_requests={self.max_waiting}, set "
                    f"{Limits.env_name('max_waiting_requests')}); retry when they have finished"
                ),
            )
        return None

    def _forget_if_idle(self, network_id: str, turns: _Turns) -> None:
        # Entries live only while a network has requests: memory stays bounded by the traffic.
        if not turns.lock.locked() and turns.waiting == 0 and self._networks.get(network_id) is turns:
            del self._networks[network_id]


async def _reply(send: Send, status: int, code: ErrorCode, detail: str) -> None:
    payload = error_json(detail, code)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if status == 429:
        headers.append((b"retry-after", b"1"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
