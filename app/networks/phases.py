"""The phase state machine of a step: forward → loss → backward → update, one function each.

Each function checks that its phase comes next (409 naming the phase to run first), runs the
engine on the session and records the new phase. Later phases of a step recompute forward
and loss from the stored parameters and batch, which is deterministic, so they report the
very numbers the earlier phases returned; within one request (``/step``) each runs once.
"""

from __future__ import annotations

import numpy as np
from backprop_explorer.engine import PHASES

from backprop_explorer import engine

from .. import scaling, serialize
from ..config import Limits
from ..errors import InvalidInput, PhaseConflict
from ..schemas import BackwardOut, ForwardOut, LossOut, StepOut, UpdateOut
from .codec import Session
from .pairing import check_sent_targets


def require_phase(session: Session, wanted: str) -> None:
    """409 unless ``wanted`` is the next phase; the message names the phase to run first."""
    phase = session.phase
    if phase in ("ready", "update"):
        if wanted != "forward":
            raise PhaseConflict(f"run forward first: {wanted} needs a forward pass in the current step")
        return
    done, asked = PHASES.index(phase), PHASES.index(wanted)
    if asked > done + 1:
        raise PhaseConflict(
            f"run {PHASES[done + 1]} first: the current step has completed {phase}, "
            f"not yet {PHASES[done + 1]}"
        )
    if asked <= done:
        raise PhaseConflict(
            f"run forward first: this step has already completed {wanted}; forward starts a new step"
        )


def forward(
    session: Session,
    limits: Limits,
    inputs: list | None,
    indices: list[int] | None,
    units: scaling.Units = "network",
) -> ForwardOut:
    """Start a step on explicit ``inputs`` (in the network's units or the data's), picked
    dataset rows (``indices``) or the batch at the cursor."""
    if inputs is not None and indices is not None:
        raise InvalidInput("send either inputs or indices, not both")
    used: list[int] | None
    if inputs is not None:
        X = scaling.network_inputs(session.dataset, inputs, units, session.spec["layers"][0])
        limits.check("max_samples", len(X), "the number of input rows")
        pending: dict = {"source": "explicit", "inputs": serialize.array(X), "targets": None}
        used = None
    else:
        dataset, trainer = session.require_data()
        if indices is not None:
            limits.check("max_samples", len(indices), "the number of indices")
            bad = [i for i in indices if i >= len(dataset.X)]
            if bad:
                raise InvalidInput(
                    f"indices {bad[:5]} are out of range: the dataset has {len(dataset.X)} rows"
                )
            used = list(indices)
            pending = {"source": "indices", "indices": used}
        else:
            used = serialize.indices(trainer.next_batch())
            pending = {"source": "cursor", "indices": used}
        X = dataset.X[np.array(used, dtype=np.int64)]
    fwd = engine.forward(session.net, X)
    session.fwd, session.lss, session.back = fwd, None, None
    session.doc["phase"], session.doc["pending"] = "forward", pending
    out = serialize.forward_out(session.net, fwd, used, limits.max_trace_samples)
    if inputs is not None and units == "data":
        out.data_inputs = serialize.rows(np.asarray(inputs, dtype=np.float64), limits.max_trace_samples)
    return out


def loss(session: Session, limits: Limits, targets: list | None, units: scaling.Units = "network") -> LossOut:
    require_phase(session, "loss")
    pending = session.doc["pending"]
    X, Y = session.batch()
    if pending["source"] == "explicit":
        if targets is None:
            raise InvalidInput("targets are required: forward ran on explicit inputs")
        Y = scaling.network_targets(session.dataset, targets, units, session.spec["layers"][-1])
        check_sent_targets(session.spec["loss"], X, Y)
        pending["targets"] = serialize.array(Y)
    elif targets is not None:
        raise InvalidInput("omit targets: this batch comes from the dataset, which holds its targets")
    if session.fwd is None:
        session.fwd = engine.forward(session.net, X)
    assert Y is not None
    session.lss = lss = engine.loss(session.net, session.fwd, Y)
    session.doc["phase"] = "loss"
    return serialize.loss_out(lss, limits.max_trace_samples)


def _traces(session: Session) -> tuple[np.ndarray, np.ndarray, engine.LossTrace, engine.BackwardTrace]:
    """The step's batch, loss and gradients: recomputed from the stored step (a phase of its
    own request), or those an earlier phase of this request computed."""
    X, Y = session.batch()
    assert Y is not None  # the loss phase stored the targets
    if session.fwd is None:
        session.fwd = engine.forward(session.net, X)
    if session.lss is None:
        session.lss = engine.loss(session.net, session.fwd, Y)
    if session.back is None:
        session.back = engine.backward(session.net, session.fwd, session.lss)
    return X, Y, session.lss, session.back


def backward(session: Session, limits: Limits) -> BackwardOut:
    require_phase(session, "backward")
    *_, back = _traces(session)
    session.doc["phase"] = "backward"
    return serialize.backward_out(back, limits.max_trace_samples)


def following_batch(session: Session, used: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The batch the step after this update takes: the one after the cursor batch it used, the
    cursor's when it used other rows, or (no data) None: the engine then uses its own batch."""
    if session.trainer is None or session.dataset is None:
        return None
    if session.doc["pending"]["source"] == "cursor":
        return session.trainer.following_batch(used)
    return session.trainer.batch_arrays()


def update(session: Session, limits: Limits) -> UpdateOut:
    require_phase(session, "update")
    X, Y, lss, back = _traces(session)
    trace = engine.update(session.net, session.opt, back, X, Y, following_batch(session, len(X)))
    session.fwd = session.lss = session.back = None  # the parameters changed
    pending = session.doc["pending"]
    summary = None
    if pending["source"] == "cursor":
        _, trainer = session.require_data()
        norms = [g.grad_norm for g in back.layers]
        summary = trainer.advance(session.net, norms, len(X), serialize.number(lss.loss))
    else:
        session.count_update(serialize.number(lss.loss))
    session.doc["phase"], session.doc["pending"] = "update", None
    return serialize.update_out(trace, session.epoch, session.step, summary)


def step(
    session: Session,
    limits: Limits,
    inputs: list | None,
    targets: list | None,
    indices: list[int] | None,
    units: scaling.Units = "network",
) -> StepOut:
    """The four phases at once."""
    return StepOut(
        forward=forward(session, limits, inputs, indices, units),
        loss=loss(session, limits, targets, units),
        backward=backward(session, limits),
        update=update(session, limits),
    )
