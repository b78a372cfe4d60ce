"""The timeline: which states a save snapshots, and rewinding to one of them.

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
Each service remembers which gaps it verified (:class:`VerifiedReplays`, ``service.replays``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from ..errors import NotFound
from ..store.snapshots import Snapshot, pack
from .codec import TRAINER_FIELDS, Session
from .views import public

if TYPE_CHECKING:
    from ..service import Service


def capture(session: Session, kind: str, train_loss: float | None) -> Snapshot:
    """The session's current state as a snapshot (copies: later updates do not touch it)."""
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
    spec = {k: v for k, v in session.spec.items() if k != "data"}
    header = {"layout": layout, "opt_t": opt.t, "opt_counts": counts, "trainer": trainer, "spec": spec}
    return Snapshot(kind, session.epoch, session.step, train_loss, header, data)


def start(session: Session) -> Snapshot:
    """The first state of a network (created, imported or reset)."""
    cursor = session.trainer.cursor if session.trainer is not None else session.doc["trainer"]["cursor"]
    if cursor:
        return capture(session, "step", None)
    closed = [e for e in session.carried_history if e.get("epoch") == session.epoch]
    return capture(session, "epoch", closed[-1].get("train_loss") if closed else None)


def after_epoch(session: Session, entry: dict) -> None:
    """A long run's epoch just closed: keep its state for the next commit. Snapshots the
    store's byte budget would prune at once are dropped now (oldest first), so a run of
    thousands of epochs between commits holds at most that budget in memory."""
    taken = session.snapshots
    taken.append(capture(session, "epoch", entry["train_loss"]))
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


def listing(service: Service, network_id: str) -> dict:
    now_step = _now_step(service, network_id)
    kept = service.store.snapshots(network_id)
    window = service.limits.max_step_snapshots
    gaps = [
        (a, b)
        for a, b in _gaps(kept, now_step, window)
        if service.replays.verdict(_key(network_id, a, b)) is not False
    ]
    if not gaps:
        return {"snapshots": kept}
    # Their losses are the ones the run recorded; a replay is only made when one is opened.
    losses = {s["step"]: s["loss"] for s in service.store.steps(network_id, since_step=gaps[0][0]["step"])}
    virtual = [
        {"epoch": a["epoch"], "step": s, "kind": "step", "train_loss": losses.get(s)}
        for a, b in gaps
        for s in range(max(a["step"] + 1, now_step - window + 1), b["step"])
    ]
    return {"snapshots": sorted(kept + virtual, key=lambda s: (s["step"], s["kind"]))}


def _now_step(service: Service, network_id: str) -> int:
    """The network's update counter, read from its summary row (no document decoded)."""
    step = service.store.step(network_id)
    if step is None:
        raise NotFound(f"no network with id {network_id!r}")
    return step


def _gaps(kept: list[dict], now_step: int, window: int) -> list[tuple[dict, dict]]:
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


def _key(network_id: str, a: dict, b: dict) -> tuple:
    return (network_id, a["step"], a["kind"], a["train_loss"], b["step"], b["train_loss"])


def _ends(service: Service, network_id: str, a: dict, b: dict) -> tuple[Snapshot, Snapshot] | None:
    start = service.store.snapshot(network_id, step=a["step"])
    end = service.store.snapshot(network_id, epoch=b["epoch"])
    if start is None or end is None or end.step != b["step"]:
        return None
    return start, end


def _replay(service: Service, stored: dict, start: Snapshot, end: Snapshot, count: int | None) -> Session:
    """``start``'s state run on by ``count`` updates (None: to the end of its epoch) with the
    hyperparameters ``end`` was made with; ``stored``, the network's document, is not changed."""
    doc = dict(stored)  # restore replaces the top-level parts it changes
    restore(doc, start)
    doc["spec"] = {**end.header["spec"], "data": doc["spec"].get("data")}
    session = service.open(doc)
    trainer = session.trainer
    assert trainer is not None
    if count is None:
        trainer.run_epoch(session.net, session.opt)
    else:
        trainer.run_updates(session.net, session.opt, count)
    return session


def _reproduces(service: Service, stored: dict, start: Snapshot, end: Snapshot) -> bool:
    """Does replaying the updates after ``start`` give ``end``, bit for bit?"""
    try:
        again = capture(_replay(service, stored, start, end, None), "epoch", None)
    except Exception:  # a state the replay cannot even reach is not one to offer
        return False
    return (
        again.arrays == end.arrays
        and again.step == end.step
        and again.header["trainer"] == end.header["trainer"]
        and again.header["opt_counts"] == end.header["opt_counts"]
    )


def _virtual(service: Service, network_id: str, stored: dict, step: int) -> Snapshot | None:
    """The state after update ``step`` made inside an ``/epoch`` or ``/train``, replayed from
    the network's document ``stored``. A gap whose replay does not reproduce its end (the
    parameters were edited before the run) is remembered and no longer listed."""
    now_step = _now_step(service, network_id)
    window = service.limits.max_step_snapshots
    for a, b in _gaps(service.store.snapshots(network_id), now_step, window):
        if not a["step"] < step < b["step"] or step <= now_step - window:
            continue
        ends = _ends(service, network_id, a, b)
        if ends is None:
            return None
        if not service.replays.check(_key(network_id, a, b), partial(_reproduces, service, stored, *ends)):
            raise NotFound(
                f"the updates after step {a['step']} up to step {b['step']} cannot be replayed: the "
                "network was edited (parameters or settings) before the run that made them; "
                f"{describe(service.store.snapshots(network_id))}"
            )
        session = _replay(service, stored, ends[0], ends[1], step - a["step"])
        assert session.trainer is not None
        return capture(session, "step", float(session.trainer.step_losses[-1][2]))
    return None


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


def _find(
    service: Service, network_id: str, stored: dict, *, step: int | None, epoch: int | None
) -> Snapshot:
    """The snapshot asked for, stored or replayed from ``stored`` (the network's document, which
    the request loaded once and is not changed here)."""
    store = service.store
    snapshot = store.snapshot(network_id, step=step, epoch=epoch)
    if snapshot is None and step is not None:
        snapshot = _virtual(service, network_id, stored, step)
    if snapshot is None:
        what = f"after step {step}" if step is not None else f"after epoch {epoch}"
        raise NotFound(f"no snapshot {what} is kept; {describe(store.snapshots(network_id))}")
    return snapshot


def read_at(service: Service, network_id: str, *, step: int | None, epoch: int | None) -> Session:
    """The network as it was at a kept snapshot, opened from a copy: nothing is saved."""
    doc = service.load(network_id)
    restore(doc, _find(service, network_id, doc, step=step, epoch=epoch))
    return service.open(doc)


def preview(service: Service, network_id: str, kind: str, number: int) -> dict:
    """A snapshot, the network a rewind to it would answer, and what that rewind would drop."""
    now = service.read(network_id)
    point = {"step": number, "epoch": None} if kind == "step" else {"step": None, "epoch": number}
    snapshot = _find(service, network_id, now.doc, **point)
    doc = dict(now.doc)
    restore(doc, snapshot)
    then = service.open(doc)
    return {
        "snapshot": {
            "epoch": snapshot.epoch,
            "step": snapshot.step,
            "kind": snapshot.kind,
            "train_loss": snapshot.train_loss,
        },
        "network": public(then),
        "drops": {"updates": now.step - snapshot.step, "epochs": now.epoch - snapshot.epoch},
    }


def rewind(service: Service, network_id: str, *, step: int | None, epoch: int | None) -> dict:
    """Restore the snapshot after update ``step`` or after epoch ``epoch``; drop what followed."""
    service.require(network_id)
    store = service.store
    with store.lock(network_id):
        service.sessions.drop(network_id)
        doc = service.load(network_id)
        snapshot = _find(service, network_id, doc, step=step, epoch=epoch)
        restore(doc, snapshot)
        session = service.open(doc)
        response = public(session)
        store.save(session.dump(), rewound_to=(snapshot.epoch, snapshot.step))
    return response


def trajectory(service: Service, network_id: str, refs: list[tuple[int, str, tuple[int, ...]]]) -> list[dict]:
    """The chosen parameters' values at every stored snapshot, oldest first."""
    return [
        {
            "step": s.step,
            "value": [s.value_at(f"{name}{layer}", index) for layer, name, index in refs],
            "loss": s.train_loss,
        }
        for s in service.store.all_snapshots(network_id)
        if s.train_loss is not None  # a network's first state has no loss recorded
    ]
