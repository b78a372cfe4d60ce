"""Read-only analysis of a network (nothing is saved): predictions, the gradient check, the loss
landscape, each sample's share of a gradient and the computational graph of one sample."""

from __future__ import annotations

from backprop_explorer.engine.landscape import landscape_work, loss_landscape
from backprop_explorer.engine.parameters import ParameterRef, check_ref
from backprop_explorer.engine.shares import gradient_shares

from backprop_explorer import engine

from .. import costs, gate
from ..errors import InvalidInput, PhaseConflict
from ..networks import analysis
from ..networks import graph as sample_graphs
from ..networks.codec import Session
from ..schemas import GradcheckIn, LandscapeIn, ParameterChoice, PredictIn, SharesIn
from ..schemas.graph import GraphIn
from .timeline import Timeline


def _ref(net: engine.Network, choice: ParameterChoice | SharesIn) -> ParameterRef:
    ref = ParameterRef(choice.layer, choice.name, tuple(choice.index))
    check_ref(net, ref)
    return ref


class Analysis(Timeline):
    def predict(self, network_id: str, body: PredictIn) -> dict:
        at = body.snapshot
        session = (
            self.read(network_id) if at is None else self.read_at(network_id, step=at.step, epoch=at.epoch)
        )
        return analysis.predict(session, self.limits, body)

    def gradcheck(self, network_id: str, body: GradcheckIn) -> dict:
        def cost(session: Session) -> int:
            return costs.gradcheck(costs.shape_of(session), costs.step_rows(session, body.inputs))

        return analysis.gradcheck(self.read(network_id, cost), self.limits, body)

    def graph(self, network_id: str, body: GraphIn) -> dict:
        """Every scalar of one sample of the step in progress, with its value and gradient."""
        return sample_graphs.sample_graph(self.read(network_id), body)

    def landscape(self, network_id: str, body: LandscapeIn) -> dict:
        """The loss over one or two parameters around their current values, on the training split
        or on the batch of the step in progress, with the path training took through them;
        around a kept snapshot's values with ``snapshot``."""
        at = body.snapshot
        if at is not None and body.data == "batch":
            raise InvalidInput("a snapshot has no step in progress: use data 'train' with a snapshot")
        session = (
            self.read(network_id) if at is None else self.read_at(network_id, step=at.step, epoch=at.epoch)
        )
        net = session.net
        refs = [_ref(net, choice) for choice in body.parameters]
        if body.data == "batch":
            X, Y = session.step_batch("data 'batch'")
        else:
            if session.dataset is None or session.trainer is None:
                raise InvalidInput(
                    "this network has no training data: use data 'batch' after forward and loss"
                )
            idx = session.trainer.train_idx
            X, Y = session.dataset.X[idx], session.dataset.Y[idx]
        n_points = body.points ** len(refs)
        self.limits.check(
            "max_landscape_work",
            landscape_work(net, len(X), n_points),
            "the landscape's work (grid points × network parameters × samples)",
        )
        gate.reserve(costs.landscape(costs.shape_of(session), len(X), n_points), "this landscape")
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
            "trajectory": self.trajectory(
                network_id, [(ref.layer, ref.name, tuple(ref.index)) for ref in refs]
            ),
            "data": body.data,
            "n_samples": len(X),
        }

    def gradient_shares(self, network_id: str, body: SharesIn) -> dict:
        """Each sample's term of the step in progress's ∂L/∂p, after its backward pass."""
        session = self.read(network_id)
        if session.phase != "backward":
            raise PhaseConflict(
                "run backward first: the shares are those of the step in progress's gradient "
                f"(the network is at {session.phase!r})"
            )
        ref = _ref(session.net, body)
        X, Y = session.step_batch("the gradient's shares")
        shown = min(len(X), self.limits.max_trace_samples)
        gate.reserve(costs.trace(costs.shape_of(session), len(X), shown), "these shares")
        shares = gradient_shares(session.net, X, Y, ref)
        indices = session.step_rows()
        return {
            "parameter": {
                "layer": ref.layer,
                "name": ref.name,
                "index": list(ref.index),
                "value": shares.value,
            },
            "batch_size": len(X),
            "trace_samples": shown,
            "cut": shown < len(X),
            "indices": None if indices is None else indices[:shown],
            "dL_dz": shares.dL_dz[:shown].tolist(),
            "a_prev": shares.a_prev[:shown].tolist(),
            "terms": shares.terms[:shown].tolist(),
            "sum_of_terms": float(shares.terms.sum()),
            "penalty_gradient": shares.penalty_gradient,
            "gradient": shares.gradient,
        }
