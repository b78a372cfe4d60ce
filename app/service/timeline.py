"""The timeline as the routes see it: the kept snapshots (stored, and replayable "virtual"
ones), a preview of one, a rewind to one, and the path the parameters took. What a snapshot
holds, and replaying a run of updates, are :mod:`app.networks.timeline`'s."""

from __future__ import annotations

from functools import partial

from .. import costs, gate
from ..errors import DomainError, InvalidInput, NotFound
from ..networks import timeline
from ..networks.codec import Session
from ..networks.settings import epoch_end_step
from ..networks.views import public
from ..store.snapshots import SETTINGS, Snapshot
from .core import Core


class Timeline(Core):
    def snapshots(self, network_id: str) -> dict:
        """Every kept snapshot, oldest first, with the replayable states of verified gaps."""
        now_step = self._now_step(network_id)
        kept = self.store.snapshots(network_id)
        for s in kept:
            s["epoch_end_step"] = epoch_end_step(s)
        window = self.limits.max_step_snapshots
        gaps = [
            (a, b)
            for a, b in timeline.gaps(kept, now_step, window)
            if self.replays.verdict(timeline.gap_key(network_id, a, b)) is not False
        ]
        if not gaps:
            return {"snapshots": kept}
        # Their losses are the ones the run recorded; a replay is only made when one is opened.
        losses = {s["step"]: s["loss"] for s in self.store.steps(network_id, since_step=gaps[0][0]["step"])}
        virtual = [
            # replayed with B's hyperparameters: those are the settings they ran with, full
            # batches from A's cursor on (only the update that closes the epoch, B, may be short)
            {
                "epoch": a["epoch"],
                "step": s,
                "kind": "step",
                "train_loss": losses.get(s),
                "settings": b["settings"],
                "cursor": a["cursor"] + (s - a["step"]) * b["settings"]["batch_size"],
                "epoch_end_step": a["epoch_end_step"],
            }
            for a, b in gaps
            for s in range(max(a["step"] + 1, now_step - window + 1), b["step"])
        ]
        return {"snapshots": sorted(kept + virtual, key=lambda s: (s["step"], s["kind"]))}

    def read_at(self, network_id: str, *, step: int | None, epoch: int | None) -> Session:
        """The network as it was at a kept snapshot, opened from a copy: nothing is saved. A
        point that is not kept is a 422 (the request's snapshot, not the network, is missing)."""
        doc = self.load(network_id)
        timeline.restore(doc, self._find(network_id, doc, step=step, epoch=epoch, missing=InvalidInput))
        return self.open(doc)

    def preview(self, network_id: str, kind: str, number: int) -> dict:
        """A snapshot, the network a rewind to it would answer, and what that rewind would drop."""
        now = self.read(network_id)
        step, epoch = (number, None) if kind == "step" else (None, number)
        snapshot = self._find(network_id, now.doc, step=step, epoch=epoch)
        doc = dict(now.doc)
        timeline.restore(doc, snapshot)
        then = self.open(doc)
        return {
            "snapshot": {
                "epoch": snapshot.epoch,
                "step": snapshot.step,
                "kind": snapshot.kind,
                "train_loss": snapshot.train_loss,
                "settings": {name: snapshot.header["spec"][name] for name in SETTINGS},
                "cursor": snapshot.header["trainer"]["cursor"],
                "epoch_end_step": epoch_end_step(snapshot.header["trainer"]),
            },
            "network": public(then),
            "drops": {"updates": now.step - snapshot.step, "epochs": now.epoch - snapshot.epoch},
        }

    def rewind(self, network_id: str, *, step: int | None, epoch: int | None) -> dict:
        """Restore the snapshot after update ``step`` or after epoch ``epoch``; drop only what
        followed it. A point inside an ``/epoch`` or ``/train`` run (a replayed one) keeps the
        run's states up to it: they are stored, as the updates before it were made. A point that
        is not kept is a 422."""
        self.require(network_id)
        store = self.store
        with store.lock(network_id):
            self.sessions.drop(network_id)
            doc = self.load(network_id)
            run: list[Snapshot] = []
            snapshot = self._find(network_id, doc, step=step, epoch=epoch, run=run, missing=InvalidInput)
            timeline.restore(doc, snapshot)
            session = self.open(doc)
            response = public(session)
            store.save(session.dump(), rewound_to=(snapshot.epoch, snapshot.step), timeline=run)
        return response

    def trajectory(self, network_id: str, refs: list[tuple[int, str, tuple[int, ...]]]) -> list[dict]:
        """The chosen parameters' values at every stored snapshot, oldest first (a network's
        first state, which has no loss recorded, is left out)."""
        return [
            {
                "step": s.step,
                "value": [s.value_at(f"{name}{layer}", index) for layer, name, index in refs],
                "loss": s.train_loss,
            }
            for s in self.store.all_snapshots(network_id)
            if s.train_loss is not None
        ]

    def _now_step(self, network_id: str) -> int:
        """The network's update counter, read from its summary row (no document decoded)."""
        step = self.store.step(network_id)
        if step is None:
            raise NotFound(f"no network with id {network_id!r}")
        return step

    def _find(
        self,
        network_id: str,
        stored: dict,
        *,
        step: int | None,
        epoch: int | None,
        run: list[Snapshot] | None = None,
        missing: type[DomainError] = NotFound,
    ) -> Snapshot:
        """The snapshot asked for, stored or replayed from ``stored`` (the network's document,
        which the request loaded once and is not changed here). A replayed one's run, from the
        stored state before it up to it, goes into ``run`` when one is given. ``missing``: the
        error when it is not kept (404 for a path that names it, 422 for a body)."""
        store = self.store
        snapshot = store.snapshot(network_id, step=step, epoch=epoch)
        if snapshot is None and step is not None:
            snapshot = self._virtual(network_id, stored, step, run, missing)
        if snapshot is None:
            what = f"after step {step}" if step is not None else f"after epoch {epoch}"
            raise missing(
                f"no snapshot {what} is kept; {timeline.describe(store.snapshots(network_id))}",
                "snapshot_not_kept",
            )
        return snapshot

    def _virtual(
        self,
        network_id: str,
        stored: dict,
        step: int,
        run: list[Snapshot] | None = None,
        missing: type[DomainError] = NotFound,
    ) -> Snapshot | None:
        """The state after update ``step`` made inside an ``/epoch`` or ``/train``, replayed from
        the network's document ``stored`` (with the states before it in ``run``, if given). A
        gap whose replay does not reproduce its end (the parameters were edited before the run)
        is remembered and no longer listed."""
        now_step = self._now_step(network_id)
        window = self.limits.max_step_snapshots
        for a, b in timeline.gaps(self.store.snapshots(network_id), now_step, window):
            if not a["step"] < step < b["step"] or step <= now_step - window:
                continue
            ends = self._ends(network_id, a, b)
            if ends is None:
                return None
            # A replay runs an epoch's updates (at most): hold what an epoch needs first.
            gate.reserve(costs.epoch(costs.shape_of(self.open(stored))), "replaying these updates")
            reproduces = partial(timeline.reproduces, self.open, stored, *ends)
            if not self.replays.check(timeline.gap_key(network_id, a, b), reproduces):
                raise missing(
                    f"the updates after step {a['step']} up to step {b['step']} cannot be replayed: the "
                    "network was edited (parameters or settings) before the run that made them; "
                    f"{timeline.describe(self.store.snapshots(network_id))}",
                    "snapshot_not_kept",
                )
            if run is not None:
                run.extend(timeline.replayed_run(self.open, stored, ends[0], ends[1], step - a["step"]))
                return run[-1]
            return timeline.replayed(self.open, stored, ends[0], ends[1], step - a["step"])
        return None

    def _ends(self, network_id: str, a: dict, b: dict) -> tuple[Snapshot, Snapshot] | None:
        start = self.store.snapshot(network_id, step=a["step"])
        end = self.store.snapshot(network_id, epoch=b["epoch"])
        if start is None or end is None or end.step != b["step"]:
            return None
        return start, end
