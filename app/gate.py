"""The gate: one admission for the whole process, so no user can stall the server or run it
out of memory, and every owner gets a fair share.

- **Two kinds of request** (:func:`kind_of`): *work* computes (phases, epochs, training,
  predict, gradcheck, the landscape, gradient shares, timeline previews and replays, creating,
  importing and lesson starts, uploads, the data preview); *reads* fetch what is stored (a
  network, its history, data or export, listings) or change a little of it (PATCH, DELETE,
  a name). Health, the catalog, the lessons' texts, ``…/stop``, pages and static files
  never wait here: they answer whatever else runs.
- **CPU**: at most ``max_cpu_work`` work requests run at once (by default the core count) and
  :data:`READ_SLOTS_PER_CORE` times as many reads. One owner holds at most all work slots but
  one (when there are two or more), so another owner's request always finds one soon.
- **Memory**: every admitted request holds an estimate of the memory it needs, and together
  they hold at most the budget: ``max_memory_bytes`` less what the process held when it
  started and what its caches may hold (:data:`CACHE_BYTES`). A request enters with what its
  body implies and reserves the rest with :func:`reserve` once the shapes are known, before
  it allocates (``app/costs.py`` has the figures); one that could never fit is refused (413).
- **Order**: waiting requests wait as coroutines, not threads, one queue per owner. A freed
  slot goes to the owner with the fewest requests running, then to the one served least
  recently, then to the one whose first request has waited longest: owners take turns, so
  one owner's 40 requests do not starve another's one.
- **Bounds**: at most ``max_queued_per_owner`` requests wait per owner (then 429) and
  ``max_queued_requests`` in all (then 503); both answers carry ``Retry-After`` and a JSON
  ``detail`` and ``code`` (``rate_limited``, ``server_busy``).

A request holds its ticket until its answer is sent (a streamed ``train`` for as long as it
streams): serializing a large answer is part of its cost.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Receive, Scope, Send

from .config import Limits
from .errors import DomainError, ErrorCode, LimitExceeded, error_json

WORK, READ = "work", "read"
READ_SLOTS_PER_CORE = 2
CACHE_BYTES = 256_000_000  # what the process's caches may hold (sessions, datasets, data rows)
MEMORY_WAIT_SECONDS = 60.0  # a running request waits this long for memory others hold, then 503
ENTRY_BYTES = 4_000_000  # what any admitted request holds at least (its body aside)
BODY_FACTOR = 12  # parsed JSON (lists of Python floats) per byte of body


class Busy(DomainError):
    """The server is at its limit for now: retry after a while (503 or 429, Retry-After)."""

    status_code = 503

    def __init__(self, detail: str, code: ErrorCode, status_code: int = 503, retry_after: int = 5) -> None:
        super().__init__(detail, code)
        self.status_code = status_code
        self.headers = {"Retry-After": str(retry_after)}


def kind_of(method: str, path: str) -> str | None:
    """:data:`WORK`, :data:`READ`, or None for a request that never waits at the gate."""
    if not path.startswith("/api/"):
        return None
    if method in ("GET", "HEAD"):
        if path in ("/api/health", "/api/catalog", "/api/owner") or path.startswith("/api/lessons"):
            return None
        return WORK if "/snapshots/" in path else READ  # a preview may replay updates
    if path.startswith("/api/networks/") and path.rstrip("/").endswith("/stop"):
        return None
    if method in ("DELETE", "PATCH") or path.endswith("/render") or path.endswith("/name"):
        return READ
    return WORK


@dataclass(eq=False)
class Ticket:
    """One admitted (or waiting) request: whose, which kind, how many bytes it holds."""

    owner: str
    kind: str
    held: int
    order: int
    granted: asyncio.Future[None] | None = None


@dataclass
class _Budget:
    """Bytes of memory held by admitted requests; thread-safe (:func:`reserve` runs in workers).
    Requests growing their share are served first come, first served, and before new ones."""

    total: int
    used: int = 0
    growing: deque[list[int]] = field(default_factory=deque)  # what each waiting grower needs
    cond: threading.Condition = field(default_factory=threading.Condition)

    def try_take(self, n: int) -> bool:
        with self.cond:
            if self.used + n + sum(need for (need,) in self.growing) > self.total:
                return False
            self.used += n
            return True

    def take_waiting(self, n: int, timeout: float) -> bool:
        with self.cond:
            if not self.growing and self.used + n <= self.total:
                self.used += n
                return True
            entry = [n]
            self.growing.append(entry)
            try:
                ok = self.cond.wait_for(
                    lambda: self.growing[0] is entry and self.used + n <= self.total, timeout
                )
                if ok:
                    self.used += n
                return ok
            finally:
                self.growing.remove(entry)
                self.cond.notify_all()

    def give(self, n: int) -> None:
        with self.cond:
            self.used -= n
            self.cond.notify_all()


def process_bytes() -> int:
    """Resident memory of this process now."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Gate:
    """The slots, the budget and the queues (see the module doc); one per application."""

    def __init__(self, limits: Limits, baseline: int | None = None) -> None:
        self.limits = limits
        self.baseline = process_bytes() if baseline is None else baseline
        self.budget = _Budget(max(0, limits.max_memory_bytes - self.baseline - CACHE_BYTES))
        self.slots = {WORK: limits.max_cpu_work, READ: READ_SLOTS_PER_CORE * limits.max_cpu_work}
        self.busy = {WORK: 0, READ: 0}
        self.running: dict[tuple[str, str], int] = {}  # (kind, owner) → running requests
        self.waiting: dict[str, deque[Ticket]] = {}  # owner → its waiting tickets, oldest first
        self.queued = 0
        self.served: dict[str, int] = {}  # owner → when it was last let in (owners with requests)
        self.memory_wait = MEMORY_WAIT_SECONDS  # how long a request waits for memory others hold
        self._order = itertools.count()

    def owner_cap(self, kind: str) -> int:
        slots = self.slots[kind]
        return slots - 1 if slots >= 2 else slots

    # --- entering and leaving (the event loop) -----------------------------------------

    async def enter(self, owner: str, kind: str, initial: int) -> Ticket:
        """Wait for a slot and ``initial`` bytes; :class:`Busy` when the queue is full."""
        ticket = Ticket(owner, kind, initial, next(self._order))
        if initial > self.budget.total:
            raise too_large(initial, self.budget.total, self.limits)
        queue = self.waiting.get(owner)
        if not queue and self._grant(ticket):
            return ticket
        mine = len(queue) if queue else 0
        if mine >= self.limits.max_queued_per_owner:
            raise Busy(
                f"you have {mine} requests waiting for the server already (the limit "
                f"max_queued_per_owner={self.limits.max_queued_per_owner}, set "
                f"{Limits.env_name('max_queued_per_owner')}): wait for their answers, then retry",
                "rate_limited",
                status_code=429,
                retry_after=2,
            )
        if self.queued >= self.limits.max_queued_requests:
            raise Busy(
                f"the server is busy: {self.queued} requests are waiting for it (the limit "
                f"max_queued_requests={self.limits.max_queued_requests}, set "
                f"{Limits.env_name('max_queued_requests')}); retry in a few seconds",
                "server_busy",
            )
        ticket.granted = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(owner, deque()).append(ticket)
        self.queued += 1
        try:
            await ticket.granted
        except BaseException:
            if ticket.granted.done() and not ticket.granted.cancelled():
                self.leave(ticket)  # granted as it was cancelled: give it back
            else:
                self._unqueue(ticket)
            raise
        return ticket

    def leave(self, ticket: Ticket) -> None:
        self.busy[ticket.kind] -= 1
        key = (ticket.kind, ticket.owner)
        self.running[key] -= 1
        if not self.running[key]:
            del self.running[key]
        self.budget.give(ticket.held)
        ticket.held = 0
        if not self.waiting.get(ticket.owner) and not any(o == ticket.owner for _, o in self.running):
            self.served.pop(ticket.owner, None)  # nothing left of this owner's: forget its turn
        self._dispatch()

    def _grant(self, ticket: Ticket) -> bool:
        """Admit ``ticket`` now if a slot, the owner's share and the memory allow it."""
        kind, key = ticket.kind, (ticket.kind, ticket.owner)
        if self.busy[kind] >= self.slots[kind] or self.running.get(key, 0) >= self.owner_cap(kind):
            return False
        if not self.budget.try_take(ticket.held):
            return False
        self.busy[kind] += 1
        self.running[key] = self.running.get(key, 0) + 1
        self.served[ticket.owner] = next(self._order)
        return True

    def _dispatch(self) -> None:
        """Admit waiting requests while slots allow: the owner with the fewest running first,
        then the one served least recently, then the longest waiting."""
        while True:
            heads = sorted(
                (queue[0] for queue in self.waiting.values() if queue),
                key=lambda t: (self.running.get((t.kind, t.owner), 0), self.served.get(t.owner, -1), t.order),
            )
            admitted = next((t for t in heads if self._grant(t)), None)
            if admitted is None:
                return
            self._unqueue(admitted)
            assert admitted.granted is not None
            admitted.granted.set_result(None)

    def _unqueue(self, ticket: Ticket) -> None:
        queue = self.waiting.get(ticket.owner)
        if queue is not None and ticket in queue:
            queue.remove(ticket)
            self.queued -= 1
            if not queue:
                del self.waiting[ticket.owner]

    # --- growing (worker threads) ------------------------------------------------------

    def grow(self, ticket: Ticket, needed: int, what: str) -> None:
        """Hold ``needed`` bytes for ``ticket`` in all, waiting for others to release them."""
        if needed <= ticket.held:
            return
        if needed > self.budget.total:
            raise too_large(needed, self.budget.total, self.limits, what)
        if not self.budget.take_waiting(needed - ticket.held, self.memory_wait):
            raise Busy(
                f"{what} needs about {needed / 1e6:.0f} MB and the server's memory budget "
                f"(max_memory_bytes={self.limits.max_memory_bytes}) has been in use by other requests "
                f"for {self.memory_wait:.0f} s: retry in a while",
                "memory_busy",
            )
        ticket.held = needed


def too_large(needed: int, budget: int, limits: Limits, what: str = "this request") -> LimitExceeded:
    return LimitExceeded(
        f"{what} needs about {needed / 1e6:.0f} MB, more than this server lets one request use "
        f"({budget / 1e6:.0f} MB of max_memory_bytes={limits.max_memory_bytes}, set "
        f"{Limits.env_name('max_memory_bytes')}): ask for less (fewer points, rows or samples)",
        "memory_budget",
    )


_current: ContextVar[tuple[Gate, Ticket] | None] = ContextVar("gate_ticket", default=None)


def reserve(needed: int, what: str) -> None:
    """Make sure the request being handled holds ``needed`` bytes of the budget before it
    allocates them (a no-op outside a gated request, e.g. a direct call in a test)."""
    held = _current.get()
    if held is not None:
        gate, ticket = held
        gate.grow(ticket, needed, what)


class GateMiddleware:
    """ASGI middleware: a ticket from the gate for every request :func:`kind_of` names,
    held until its answer has been sent. Runs after the body was read (``app/limits.py``
    records its size in ``scope["state"]["body_bytes"]``) and the owner named."""

    def __init__(self, app: ASGIApp, gate: Gate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = kind_of(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        state = scope.get("state") or {}
        initial = ENTRY_BYTES + BODY_FACTOR * int(state.get("body_bytes", 0))
        try:
            ticket = await self.gate.enter(str(state.get("owner", "")), kind, initial)
        except DomainError as refusal:
            await refuse(send, refusal)
            return
        token = _current.set((self.gate, ticket))
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
            self.gate.leave(ticket)


async def refuse(send: Send, refusal: DomainError) -> None:
    payload = error_json(refusal.detail, refusal.code)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    for name, value in (refusal.headers or {}).items():
        headers.append((name.lower().encode(), value.encode()))
    await send({"type": "http.response.start", "status": refusal.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
