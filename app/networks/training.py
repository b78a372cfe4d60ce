"""Training runs: whole epochs on the fast path, their stop flags, and commits as they go.

A run holds its network's lock and commits every ``COMMIT_EVERY`` seconds (and at its end),
so a server stopped mid-run keeps the epochs it completed. ``/stop``, a closed stream and
server shutdown set a run's stop flag; the run ends after its current epoch.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from backprop_explorer import engine

from .. import serialize
from ..errors import InvalidInput
from ..schemas import Diverged, EpochOut, TrainIn, TrainOut
from . import timeline
from .codec import Session
from .views import network_public

COMMIT_EVERY = 1.0  # seconds between a long run's commits


class TrainRuns:
    """Stop flags of running trains, so ``/stop``, a closed stream and shutdown can end them."""

    def __init__(self) -> None:
        self._events: dict[str, threading.Event] = {}
        self._guard = threading.Lock()
        self._closed = False

    def register(self, network_id: str, event: threading.Event) -> None:
        with self._guard:
            self._events[network_id] = event
            if self._closed:
                event.set()  # the server is shutting down: run no epoch

    def unregister(self, network_id: str, event: threading.Event) -> None:
        with self._guard:
            if self._events.get(network_id) is event:
                del self._events[network_id]

    def stop(self, network_id: str) -> bool:
        with self._guard:
            event = self._events.get(network_id)
        if event is None:
            return False
        event.set()
        return True

    def stop_all(self) -> int:
        """Stop every run, and any run that starts from now on (shutdown); returns how many ran."""
        with self._guard:
            self._closed = True
            events = list(self._events.values())
        for event in events:
            event.set()
        return len(events)


def check_history(entries: list[dict]) -> list[dict]:
    try:
        return [serialize.history_entry(e) for e in entries]
    except InvalidInput:
        raise InvalidInput(
            "training made the loss non-finite; nothing was saved — try a lower learning rate", "non_finite"
        ) from None


def diverged_out(error: engine.DivergedError | None) -> Diverged | None:
    """A run's ``diverged``: where the refused update fell, and a sentence about it."""
    if error is None:
        return None
    return Diverged(epoch=error.epoch, step=error.step, detail=error.detail)


def epoch(session: Session) -> EpochOut:
    """Finish the current epoch from the data cursor; the step in progress is discarded."""
    _, trainer = session.require_data()
    session.finish_step()
    try:
        entry = trainer.run_epoch(session.net, session.opt)
    except engine.DivergedError as error:
        return EpochOut(
            summary=None, history=[], diverged=diverged_out(error), network=network_public(session)
        )
    (summary,) = check_history([entry])
    return EpochOut.model_validate(
        {"summary": summary, "history": [summary], "diverged": None, "network": network_public(session)}
    )


def train(
    session: Session,
    body: TrainIn,
    stop: threading.Event,
    commit: Callable[[Session], object],
    on_epoch: Callable[[dict], None] | None = None,
) -> TrainOut:
    """Up to ``body.epochs`` epochs; ``commit(session)`` saves progress at least every
    ``COMMIT_EVERY`` seconds (the caller commits the end)."""
    _, trainer = session.require_data()
    session.finish_step()
    es = body.early_stopping
    stopping = (
        None
        if es is None
        else engine.EarlyStopping(
            es.patience,
            es.min_delta,
            math.inf if es.best is None else es.best,
            es.waited,
            train_accuracy=es.train_accuracy,
        )
    )
    last_commit = time.monotonic()
    history: list[dict] = []  # the run's entries, each checked once as its epoch closes
    texts = timeline.HeaderTexts(session.spec)

    def after_epoch(entry: dict) -> None:
        nonlocal last_commit
        checked = check_history([entry])[0]
        history.append(checked)
        timeline.after_epoch(session, checked, texts)
        if on_epoch is not None:
            on_epoch(checked)
        if time.monotonic() - last_commit >= COMMIT_EVERY:
            commit(session)
            last_commit = time.monotonic()

    result = engine.train(
        session.net,
        session.opt,
        trainer,
        body.epochs,
        early_stopping=stopping,
        on_epoch=after_epoch,
        should_stop=stop.is_set,
    )
    return TrainOut.model_validate(
        {
            "epochs_run": result.epochs_run,
            "stopped_early": result.stopped_early,
            "stopped_by": stopping.reason if stopping is not None and result.stopped_early else None,
            "diverged": diverged_out(result.diverged),
            "history": history,
            "network": network_public(session),
            "early_stopping": None
            if stopping is None
            else {"best": None if math.isinf(stopping.best) else stopping.best, "waited": stopping.waited},
        }
    )
