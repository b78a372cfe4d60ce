"""Analysis of the network as it is: the loss landscape, each sample's share of a gradient.

Both read the network (nothing is saved): the landscape on the training split or on the
batch of the step in progress, the shares on the step in progress after its backward pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from backprop_explorer.engine.landscape import ParameterRef, check_ref, landscape_work, loss_landscape
from fastapi import APIRouter

from backprop_explorer import engine

from ..analysis_schemas import LandscapeIn, LandscapeOut, ParameterChoice, SharesIn, SharesOut
from ..deps import ServiceDep
from ..errors import InvalidInput, PhaseConflict
from ..networks import timeline
from ..schemas import ERROR_RESPONSES

router = APIRouter(prefix="/api/networks/{network_id}", tags=["analysis"], responses=ERROR_RESPONSES)


def _phase(session: Any) -> str:
    # Contract 1 names `session.phase`; the service this branch started from keeps the phase
    # in the stored document.
    phase = getattr(session, "phase", None)
    return phase if isinstance(phase, str) else session.doc["phase"]


def _batch(session: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets of the step in progress; 409 before its forward (and loss) ran."""
    phase = _phase(session)
    if phase not in engine.PHASES[:3]:
        raise PhaseConflict(f"run forward first: {what} is about the step in progress, and there is none")
    X, Y = session.batch()
    if Y is None:
        raise PhaseConflict(f"run loss first: {what} needs the targets the loss phase takes")
    return X, Y


def _batch_rows(session: Any) -> list[int] | None:
    """Dataset rows of the step in progress (None for explicit inputs). Not part of the
    facade (contract 1): read where the session keeps its pending step, when it does."""
    pending = getattr(session, "doc", {}).get("pending")
    rows = pending.get("indices") if isinstance(pending, dict) else None
    return None if rows is None else [int(r) for r in rows]


def _ref(net: engine.Network, choice: ParameterChoice) -> ParameterRef:
    ref = ParameterRef(choice.layer, choice.name, tuple(choice.index))
    check_ref(net, ref)
    return ref


@router.post("/landscape", response_model=LandscapeOut)
def landscape(network_id: str, body: LandscapeIn, service: ServiceDep) -> dict:
    """The loss (data loss + penalty) over one or two parameters around their current values,
    every other parameter held fixed; the gradient at the current point is the curve's slope."""
    session = service.read(network_id)
    net = session.net
    refs = [_ref(net, choice) for choice in body.parameters]
    if body.data == "batch":
        X, Y = _batch(session, "data 'batch'")
    else:
        if session.dataset is None or session.trainer is None:
            raise InvalidInput("this network has no training data: use data 'batch' after forward and loss")
        idx = session.trainer.train_idx
        X, Y = session.dataset.X[idx], session.dataset.Y[idx]
    n_points = body.points ** len(refs)
    service.limits.check(
        "max_landscape_work",
        landscape_work(net, len(X), n_points),
        "the landscape's work (grid points × network parameters × samples)",
    )
    land = loss_landscape(net, X, Y, refs, body.radius, body.points)
    return {
        "parameters": [
            {**choice.model_dump(), "value": float(v)} for choice, v in zip(body.parameters, land.value)
        ],
        "axes": [axis.tolist() for axis in land.axes],
        "loss": land.loss.tolist(),
        "current": {
            "value": land.value.tolist(),
            "loss": land.current_loss,
            "gradient": land.gradient.tolist(),
        },
        # The path training took: the chosen parameters at the timeline's snapshots.
        "trajectory": timeline.trajectory(
            service, network_id, [(ref.layer, ref.name, tuple(ref.index)) for ref in refs]
        ),
        "data": body.data,
        "n_samples": len(X),
    }


@router.post("/gradient-shares", response_model=SharesOut)
def gradient_shares(network_id: str, body: SharesIn, service: ServiceDep) -> dict:
    """Each sample's term δ_s·a_prev,s of ∂L/∂w (or δ_s of ∂L/∂b) for the step in progress,
    after its backward pass: the terms plus the penalty's gradient sum to the batch's ∂L/∂p."""
    session = service.read(network_id)
    if _phase(session) != "backward":
        raise PhaseConflict(
            "run backward first: the shares are those of the step in progress's gradient "
            f"(the network is at {_phase(session)!r})"
        )
    net = session.net
    ref = _ref(net, ParameterChoice(layer=body.layer, name=body.name, index=body.index))
    X, Y = _batch(session, "the gradient's shares")
    fwd = engine.forward(net, X)
    back = engine.backward(net, fwd, engine.loss(net, fwd, Y))
    grads = back.layers[ref.layer - 1]
    j = ref.index[0]
    delta = grads.dL_dz[:, j]
    layer = net.layers[ref.layer - 1]
    if ref.name == "W":
        a_prev = (fwd.a[ref.layer - 2] if ref.layer > 1 else fwd.inputs)[:, ref.index[1]]
        reg = net.regularization.grad(layer.W)
        penalty = 0.0 if reg is None else float(reg[ref.index])
        gradient = float(grads.dL_dW[ref.index])
    else:
        a_prev = np.ones(len(X))
        penalty, gradient = 0.0, float(grads.dL_db[j])
    terms = delta * a_prev
    shown = min(len(X), service.limits.max_trace_samples)
    indices = _batch_rows(session)
    return {
        "parameter": {
            "layer": ref.layer,
            "name": ref.name,
            "index": list(ref.index),
            "value": float((layer.W if ref.name == "W" else layer.b)[ref.index]),
        },
        "batch_size": len(X),
        "trace_samples": shown,
        "cut": shown < len(X),
        "indices": None if indices is None else list(indices)[:shown],
        "dL_dz": delta[:shown].tolist(),
        "a_prev": a_prev[:shown].tolist(),
        "terms": terms[:shown].tolist(),
        "sum_of_terms": float(terms.sum()),
        "penalty_gradient": penalty,
        "gradient": gradient,
    }
