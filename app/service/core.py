"""What every part of the service shares: the store, the limits, the sessions held between
requests, and the one way a network is changed.

Each mutation follows one pattern, :meth:`Core.mutate`: lock → load → open (engine objects) →
change → dump → save → respond. Any error on the way (a domain error, an engine refusal, a
non-finite result) leaves the stored document untouched. The phases skip "load → open" when
this process holds the session it committed as the stored version (:meth:`Core.run_phase`,
``networks/sessions.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .. import costs, gate, owners
from ..config import Limits
from ..datasets import Datasets
from ..errors import InvalidInput, NotFound
from ..networks import codec, pairing, timeline, views
from ..networks.codec import Session
from ..networks.sessions import Sessions
from ..networks.timeline import VerifiedReplays
from ..networks.training import TrainRuns
from ..schemas import NetworkPublic
from ..store import Store

SWEEP_SECONDS = 60.0  # the longest between two sweeps for idle networks
Cost = Callable[[Session], int]  # bytes a request on this session needs (app/costs.py)


def reserve(session: Session, cost: Cost | None) -> None:
    """Hold ``cost(session)`` bytes of the process's memory budget (``app/gate.py``) for the
    request, waiting for them if others hold them; by default what the opened network takes."""
    gate.reserve(costs.stored(costs.shape_of(session)) if cost is None else cost(session), "this request")


def next_step_cost(session: Session) -> int:
    """What running the step at the data cursor takes (its trace; none of it answered)."""
    return costs.trace(costs.shape_of(session), costs.step_rows(session), 0)


class Core:
    def __init__(self, store: Store, limits: Limits) -> None:
        self.store = store
        self.limits = limits
        self.runs = TrainRuns()
        self.datasets = Datasets(store, limits, before_upload=self.expire_idle)
        self.sessions = Sessions()
        self.replays = VerifiedReplays()  # which replayed gaps of the timeline reproduce their end
        self._swept = 0.0  # when expire_idle last swept

    def expire_idle(self) -> int:
        """Delete what has been idle longer than ``expire_idle_seconds`` (networks unchanged,
        uploads no network uses), at most once per sweep interval: each new network or upload
        sweeps first, so a store that grows also drops what nobody uses. Returns how many went."""
        after = self.limits.expire_idle_seconds
        now = time.time()
        if after <= 0 or now - self._swept < min(SWEEP_SECONDS, after / 2):
            return 0
        self._swept = now
        return self.store.expire(before=now - after)

    def load(self, network_id: str) -> dict:
        doc = self.store.load(network_id)
        if doc is None:
            raise NotFound(f"no network with id {network_id!r}")
        return doc

    def require(self, network_id: str) -> None:
        if not self.store.exists(network_id):
            raise NotFound(f"no network with id {network_id!r}")

    def open(self, doc: dict) -> Session:
        session = codec.open_document(doc, self.datasets)
        session.committed_step, session.snapshot_budget = session.step, self.limits.max_snapshot_bytes
        return session

    def read(self, network_id: str, cost: Cost | None = None) -> Session:
        """The network opened; the request holds ``cost(session)`` bytes of the memory budget
        (``app/gate.py``; by default what the opened network takes) before going on."""
        session = self.open(self.load(network_id))
        reserve(session, cost)
        return session

    def commit(
        self, session: Session, *, clear_logs: bool = False, first: bool = False, scratch: bool = False
    ) -> int:
        """Save the session's document with the epochs, update losses and timeline snapshots it
        produced (``first``: a new network, whose first state is snapshotted, owned by the
        requester; ``scratch``: built by a page for a look); returns the version saved."""
        doc, steps, history = session.dump(), session.new_step_losses(), session.new_history()
        snaps = timeline.to_save(session, self.limits.max_step_snapshots)
        if first or clear_logs:
            snaps.insert(0, timeline.start(session))
        version = self.store.save(
            doc,
            steps,
            history,
            clear_logs=clear_logs,
            timeline=snaps,
            owner=owners.current().owner,
            scratch=scratch,
            exempt=owners.current().everything,
        )
        session.logs_written()
        return version

    def mutate(
        self,
        network_id: str,
        change: Callable[[Session], Any],
        *,
        clear_logs: bool = False,
        cost: Cost | None = None,
    ) -> Any:
        """Run ``change`` on the network under its lock and commit; nothing is saved if it
        raises. ``cost``: the memory the change needs (see :meth:`read`)."""
        return self.edit(network_id, lambda doc: None, change, clear_logs=clear_logs, cost=cost)

    def run_phase(self, network_id: str, change: Callable[[Session], Any], cost: Cost | None = None) -> Any:
        """:meth:`mutate` for the phases: the session this process committed last is reused
        when the stored version is still the one it committed (``networks/sessions.py``)."""
        if network_id not in self.sessions:  # a held one existed: the version check below tells
            self.require(network_id)  # 404 before a lock is made for an id that does not exist
        with self.store.lock(network_id):
            session = self.sessions.take(network_id, self.store.version(network_id))
            if session is None:
                session = self.open(self.load(network_id))
            reserve(session, cost)
            response = change(session)
            version = self.commit(session)
            self.sessions.put(network_id, version, session)
        return response

    def edit(
        self,
        network_id: str,
        edit_doc: Callable[[dict], None],
        change: Callable[[Session], Any],
        *,
        clear_logs: bool = False,
        cost: Cost | None = None,
    ) -> Any:
        """:meth:`mutate` with ``edit_doc`` applied to the stored document before it is opened
        (a new spec or a reset), so opening checks the edited combination."""
        self.require(network_id)  # 404 before a lock is made for an id that does not exist
        with self.store.lock(network_id):
            self.sessions.drop(network_id)
            doc = self.load(network_id)
            edit_doc(doc)
            session = self.open(doc)
            reserve(session, cost)
            response = change(session)
            self.commit(session, clear_logs=clear_logs)
        return response

    def insert(self, session: Session, *, scratch: bool = False, check_step: bool = True) -> NetworkPublic:
        """Save a network opened from a new document (its loss checked against its output layer
        and targets; with ``check_step``, its first batch run: every network kept can run its
        next step, engine.divergence); returns its public view."""
        pairing.check_loss_fits(session.spec, session.dataset)
        self.expire_idle()
        reserve(session, next_step_cost if check_step else None)
        error = codec.next_step_overflow(session) if check_step else None
        if error is not None:
            raise InvalidInput(
                f"with these parameters and data the first batch overflows in its {error.what} (not "
                "finite numbers), so no network was made — choose smaller weights, biases or inputs",
                "non_finite",
            )
        response = views.network_public(session)
        self.commit(session, first=True, scratch=scratch)
        return response
