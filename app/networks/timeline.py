"""The timeline: which states a save snapshots, and putting one back into a document.

A snapshot is taken of the state after every epoch that closes (``/epoch``, ``/train`` — one
per epoch, even between a long run's commits — or the ``/step`` that finishes an epoch), after
every single update (``/update``, ``/step``: a ``step`` snapshot), and of a network's first
state (creation, import, reset). Rewinding restores one exactly — parameters, optimizer
state, data cursor, counters and the hyperparameters of that moment — and drops everything
after it, so training on from there repeats the original run bit for bit.

The updates made inside ``/epoch`` and ``/train`` are not stored one by one: each such run of
updates lies between two stored snapshots A and B (B: the epoch it closed), made by one
request from A's state with B's hyperparameters, so replaying it from A is deterministic (same
seeds, same cursor, the same code). A gap is offered only once its replay from A reproduces B
exactly, so an edit between two requests (PUT parameters) can never show a state that did not
exist; its states are then listed and opened like stored ones ("virtual" step snapshots).
Each service remembers which gaps it verified (:class:`VerifiedReplays`, ``service.replays``);
listing, previewing and rewinding are the service's (:mod:`app.service.timeline`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from ..store.snapshots import Snapshot, dumps, pack
from .codec import TRAINER_FIELDS, Session


class HeaderTexts:
    """The stored text of the headers of the snapshots one training run takes (one per epoch),
    which is what ``dumps(header)`` writes. The spec and the arrays' layout stay as they were
    through a run, so their JSON, most of a header's, is written once; each header writes
    the optimizer's counts and the trainer's counters."""

    def __init__(self, spec: dict) -> None:
        self._spec = spec  # the session's spec: the run holds the network's lock and keeps it
        self._spec_text = dumps(without_data(spec))
        self._layout: tuple[list, str] | None = None

    def text(self, header: dict, spec: dict) -> str:
        """``dumps(header)``, ``header["spec"]`` being ``spec`` without its data."""
        if spec is not self._spec:
            return dumps(header)
        layout = header["layout"]
        if self._layout is None or self._layout[0] != layout:  # names and shapes: compared exactly
            self._layout = layout, dumps(layout)
        counters = dumps({k: header[k] for k in ("opt_t", "opt_counts", "trainer")})
        # A dict's JSON is its "key":value pairs joined by "," between braces, in order.
        return f'{{"layout":{self._layout[1]},{counters[1:-1]},"spec":{self._spec_text}}}'


def without_data(spec: dict) -> dict:
    """What a snapshot's header keeps of a spec: all but the data."""
    return {k: v for k, v in spec.items() if k != "data"}


def capture(
    session: Session, kind: str, train_loss: float | None, texts: HeaderTexts | None = None
) -> Snapshot:
    """The session's current state as a snapshot (copies: later updates do not touch it);
    ``texts`` writes its header's text (a training run's)."""
    named: list[tuple[str, np.ndarray]] = []
    for l, layer in enumerate(session.net.layers, start=1):
        named += [(f"W{l}", layer.W), (f"b{l}", layer.b)]
    opt = session.opt
    for key, slots in opt.state.items():
        named += [(f"opt:{key}:{slot}", value) for slot, value in slots.items() if slot != "t"]
    layout, data = pack(named)
    counts = {key: int(slots["t"]) for key, slots in opt.state.items() if "t" in slots}
    trainer = (
        {name: getattr(session.trainer, name) for name in TRAINER_FIELDS}
        if session.trainer is not None
        else dict(session.doc["trainer"])
    )
    header = {
        "layout": layout,
        "opt_t": opt.t,
        "opt_counts": counts,
        "trainer": trainer,
        "spec": without_data(session.spec),
    }
    snapshot = Snapshot(kind, session.epoch, session.step, train_loss, header, data)
    if texts is not None:
        snapshot.header_text = texts.text(header, session.spec)
    return snapshot


def start(session: Session) -> Snapshot:
    """The first state of a network (created, imported or reset): an epoch snapshot when it is
    the end of its last epoch (or of none), else a step snapshot."""
    cursor = session.trainer.cursor if session.trainer is not None else session.doc["trainer"]["cursor"]
    ended = session.epoch_end_step
    if cursor or (ended is not None and ended != session.step):
        return capture(session, "step", None)
    closed = [e for e in session.carried_history if e.get("epoch") == session.epoch]
    return capture(session, "epoch", closed[-1].get("train_loss") if closed else None)


def after_epoch(session: Session, entry: dict, texts: HeaderTexts | None = None) -> None:
    """A long run's epoch just closed: keep its state for the next commit (``texts``: the
    run's, see :func:`capture`). Snapshots the store's byte budget would prune at once are
    dropped now (oldest first), so a run of thousands of epochs between commits holds at
    most that budget in memory."""
    taken = session.snapshots
    taken.append(capture(session, "epoch", entry["train_loss"], texts))
    budget = session.snapshot_budget
    if budget is not None:
        while len(taken) > 1 and len(taken) * taken[-1].size > budget:
            taken.pop(0)


def to_save(session: Session, max_step_snapshots: int) -> list[Snapshot]:
    """The snapshots the commit of ``session`` writes (then forgotten by the session)."""
    taken = session.snapshots
    closed = session.trainer.history if session.trainer is not None else []
    at_epoch_end = session.trainer is not None and session.trainer.cursor == 0
    if closed and at_epoch_end and closed[-1]["epoch"] == session.epoch:
        if not any(s.kind == "epoch" and s.epoch == session.epoch for s in taken):
            taken.append(capture(session, "epoch", closed[-1]["train_loss"]))
    before = session.committed_step
    if max_step_snapshots > 0 and before is not None and session.step == before + 1:
        losses = [loss for step, _, loss in session.new_step_losses() if step == session.step]
        taken.append(capture(session, "step", losses[-1] if losses else None))
    session.snapshots, session.committed_step = [], session.step
    return taken


def restore(doc: dict, snapshot: Snapshot) -> None:
    """Put a snapshot's state into a stored document (the step in progress is dropped)."""
    header = snapshot.header
    arrays = snapshot.unpack()
    n_layers = len(doc["spec"]["layers"]) - 1
    spec = {**header["spec"], "data": doc["spec"].get("data")}
    doc["spec"] = spec
    doc["parameters"] = {
        "weights": [arrays[f"W{l}"].tolist() for l in range(1, n_layers + 1)],
        "biases": [arrays[f"b{l}"].tolist() for l in range(1, n_layers + 1)],
    }
    state: dict[str, dict] = {}
    for name, value in arrays.items():
        if name.startswith("opt:"):
            _, key, slot = name.split(":", 2)
            state.setdefault(key, {})[slot] = value.tolist()
    for key, count in header["opt_counts"].items():
        state.setdefault(key, {})["t"] = count
    doc["optimizer_state"] = {"t": header["opt_t"], "state": state}
    doc["trainer"] = dict(header["trainer"])
    doc["phase"], doc["pending"] = "ready", None


def gaps(kept: list[dict], now_step: int, window: int) -> list[tuple[dict, dict]]:
    """(A, B) around each run of updates with no stored snapshot of their own that reaches
    into the last ``window`` updates: B is the epoch snapshot those updates closed."""
    by_step: dict[int, dict] = {}
    for s in kept:  # at a step with both, the epoch snapshot (the same state) stands for it
        if s["step"] not in by_step or s["kind"] == "epoch":
            by_step[s["step"]] = s
    steps = sorted(by_step)
    return [
        (by_step[a], by_step[b])
        for a, b in zip(steps, steps[1:], strict=False)
        if b - a > 1 and by_step[b]["kind"] == "epoch" and b - 1 > now_step - window
    ]


MAX_VERIFIED_REPLAYS = 1024


class VerifiedReplays:
    """Whether replaying a gap from A reproduced B, per gap (its ends' steps and losses tell one
    run from another: after a rewind the same steps may be trained again, differently). One per
    service, like its sessions; past ``max_items`` the least recently used verdict goes first."""

    def __init__(self, max_items: int = MAX_VERIFIED_REPLAYS) -> None:
        self._items: OrderedDict[tuple, bool] = OrderedDict()
        self._max_items = max_items
        self._guard = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def verdict(self, key: tuple) -> bool | None:
        """The verdict on gap ``key``, None if it was never checked (it stays as recent as it was)."""
        with self._guard:
            return self._items.get(key)

    def check(self, key: tuple, reproduces: Callable[[], bool]) -> bool:
        """The verdict on gap ``key``; ``reproduces()`` replays the gap the first time only."""
        with self._guard:
            known = self._items.get(key)
            if known is not None:
                self._items.move_to_end(key)
                return known
        verdict = reproduces()  # a replay: not under the guard
        with self._guard:
            self._items[key] = verdict
            self._items.move_to_end(key)
            while len(self._items) > self._max_items:
                self._items.popitem(last=False)
        return verdict


def gap_key(network_id: str, a: dict, b: dict) -> tuple:
    return (network_id, a["step"], a["kind"], a["train_loss"], b["step"], b["train_loss"])


def _replay_from(
    open_doc: Callable[[dict], Session], stored: dict, start: Snapshot, end: Snapshot
) -> Session:
    """``start``'s state with the hyperparameters ``end`` was made with, opened by ``open_doc``
    to be run on; ``stored``, the network's document, is not changed."""
    doc = dict(stored)  # restore replaces the top-level parts it changes
    restore(doc, start)
    doc["spec"] = {**end.header["spec"], "data": doc["spec"].get("data")}
    return open_doc(doc)


def _replay(
    open_doc: Callable[[dict], Session], stored: dict, start: Snapshot, end: Snapshot, count: int | None
) -> Session:
    """``start``'s state run on by ``count`` updates (None: to the end of its epoch) with the
    hyperparameters ``end`` was made with."""
    session = _replay_from(open_doc, stored, start, end)
    trainer = session.trainer
    assert trainer is not None
    if count is None:
        trainer.run_epoch(session.net, session.opt)
    else:
        trainer.run_updates(session.net, session.opt, count)
    return session


def reproduces(open_doc: Callable[[dict], Session], stored: dict, start: Snapshot, end: Snapshot) -> bool:
    """Does replaying the updates after ``start`` give ``end``, bit for bit?"""
    try:
        again = capture(_replay(open_doc, stored, start, end, None), "epoch", None)
    except Exception:  # a state the replay cannot even reach is not one to offer
        return False
    counters = end.header["trainer"]  # a snapshot stored before a counter existed lacks it
    return (
        again.arrays == end.arrays
        and again.step == end.step
        and {k: again.header["trainer"].get(k) for k in counters} == counters
        and again.header["opt_counts"] == end.header["opt_counts"]
    )


def replayed(
    open_doc: Callable[[dict], Session], stored: dict, start: Snapshot, end: Snapshot, count: int
) -> Snapshot:
    """The state ``count`` updates after ``start`` in the run that ended at ``end``."""
    session = _replay(open_doc, stored, start, end, count)
    assert session.trainer is not None
    return capture(session, "step", float(session.trainer.step_losses[-1][2]))


def replayed_run(
    open_doc: Callable[[dict], Session], stored: dict, start: Snapshot, end: Snapshot, count: int
) -> list[Snapshot]:
    """The states 1, 2, …, ``count`` updates after ``start`` in the run that ended at ``end``,
    one snapshot each: what a rewind into the run keeps of it. The updates are the ones
    :func:`replayed` runs at once (an epoch run in parts is the epoch run whole)."""
    session = _replay_from(open_doc, stored, start, end)
    trainer = session.trainer
    assert trainer is not None
    states = []
    for _ in range(count):
        trainer.run_updates(session.net, session.opt, 1)
        states.append(capture(session, "step", float(trainer.step_losses[-1][2])))
    return states


def describe(kept: list[dict]) -> str:
    """What a 404 lists: the epochs and the steps that have snapshots, as ranges."""

    def ranges(numbers: list[int]) -> str:
        runs: list[list[int]] = []
        for n in numbers:
            if runs and n == runs[-1][1] + 1:
                runs[-1][1] = n
            else:
                runs.append([n, n])
        return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in runs) or "none"

    epochs = sorted({s["epoch"] for s in kept if s["kind"] == "epoch"})
    steps = sorted({s["step"] for s in kept})
    return f"snapshots exist after epochs {ranges(epochs)} and after steps {ranges(steps)}"
