"""Connections from slow or many clients: what uvicorn's HTTP/1.1 protocol lacks.

uvicorn closes a connection that stays idle after an answer (``timeout_keep_alive``) and
answers 503 past ``limit_concurrency``, but it waits forever for a request's headers, and it
accepts every connection the kernel hands it until the process runs out of file
descriptors (then asyncio logs an error on every accept). A few hundred sockets sending a
header byte now and then ("slowloris") took every descriptor and every health check.
:class:`GuardedProtocol`, which ``backprop-explorer serve`` runs uvicorn with, adds:

- **a header deadline**: a request's line and headers must arrive within
  ``max_header_seconds`` of their first byte (or of the connection opening); else the
  connection is closed. (The body has ``max_body_seconds``, enforced in ``app/limits.py``.)
- **a connection cap** below the descriptor limit: ``max_connections``, or the process's
  descriptor limit (raised to its hard limit first) less :data:`SPARE_DESCRIPTORS` and two
  bursts of accepted connections (:data:`BACKLOG`, uvicorn's ``backlog`` here). A new
  connection over the cap closes the oldest one that is not inside a request (idle, or still
  sending its headers), so an attacker's half-open sockets make room for a real client
  instead of keeping it out; if every connection is inside a request, the new one is closed.
- refusals and deadline closings are logged at most a few times per window (``app/logs.py``).

Across an untrusted network, run a reverse proxy in front (docs/classroom.md): it buffers
slow clients and terminates TLS; these guards keep the server up when reached directly.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from .config import Limits

SPARE_DESCRIPTORS = 256  # for the database, its lock file, the log, the thread pool
# asyncio accepts up to this many connections in one go before any protocol sees one (and
# logs an error per failed accept): the cap leaves room for two such bursts.
BACKLOG = 128
log = logging.getLogger("uvicorn.error")


def descriptor_limit() -> int | None:
    """The process's soft limit on open files, raised to its hard limit first (None: unknown)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return None if soft == resource.RLIM_INFINITY else soft


def connection_cap(limits: Limits, descriptors: int | None) -> int:
    if descriptors is None:
        return limits.max_connections
    return max(8, min(limits.max_connections, descriptors - SPARE_DESCRIPTORS - 2 * BACKLOG))


class GuardedProtocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline and a connection cap (see the module doc)."""

    limits: Limits | None = None
    cap: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cls = type(self)
        if cls.limits is None:  # once per process: the settings the app reads too
            cls.limits = Limits.from_env()
            cls.cap = connection_cap(cls.limits, descriptor_limit())
        self.header_seconds = cls.limits.max_header_seconds
        self.opened = 0.0
        self.header_timer: asyncio.TimerHandle | None = None

    # --- the protocol's events ---------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.opened = self.loop.time()
        self.arm()
        if len(self.connections) > self.cap:
            self.make_room()

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:  # a request's headers are complete: its body has its own deadline
            self.disarm()
        elif not self.in_request() and self.header_timer is None:
            self.arm()  # the first bytes of the next request on a kept-alive connection

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.disarm()  # idle now: uvicorn's keep-alive timeout takes over

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    # --- the guards --------------------------------------------------------------------

    def in_request(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def arm(self) -> None:
        self.disarm()
        self.header_timer = self.loop.call_later(self.header_seconds, self.headers_too_slow)

    def disarm(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def headers_too_slow(self) -> None:
        self.header_timer = None
        if not self.in_request() and not self.transport.is_closing():
            log.warning("closed a connection whose request headers took over %d s", self.header_seconds)
            self.transport.close()

    def make_room(self) -> None:
        """Over the cap: close the oldest connection outside a request, else this new one."""
        idle = [
            c
            for c in self.connections
            if isinstance(c, GuardedProtocol) and c is not self and not c.in_request()
        ]
        victim = min(idle, key=lambda c: c.opened, default=self)
        log.warning(
            "%d connections are open, the limit max_connections=%d: closed %s",
            len(self.connections),
            self.cap,
            "this new one (all others are inside requests)" if victim is self else "the oldest idle one",
        )
        self.connections.discard(victim)
        victim.disarm()
        victim.transport.abort()
