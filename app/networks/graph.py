"""The computational graph of one sample of the step in progress, from its traces.

The numbers appear with the phases that compute them: values after forward (the loss's after
loss), gradients after backward. With no step in progress (before a forward, after an update)
the graph holds the parameters' values only.
"""

from __future__ import annotations

from backprop_explorer.engine import graph as scalar_graph

from backprop_explorer import engine

from ..schemas.graph import GraphIn
from .codec import Session

IN_PROGRESS = ("forward", "loss", "backward")


def sample_graph(session: Session, body: GraphIn) -> dict:
    net, phase = session.net, session.phase
    fwd = lss = back = None
    if phase in IN_PROGRESS:
        X, Y = session.batch()
        fwd = engine.forward(net, X)
        if phase != "forward" and Y is not None:
            lss = engine.loss(net, fwd, Y)
            if phase == "backward":
                back = engine.backward(net, fwd, lss)
    focus = None if body.focus is None else (body.focus.layer, body.focus.neuron)
    graph = scalar_graph.sample_graph(net, focus=focus, sample=body.sample, fwd=fwd, lss=lss, back=back)
    return {
        "phase": phase,
        "sample": body.sample if fwd is not None else None,
        "batch_size": None if fwd is None else len(fwd.inputs),
        "focus": body.focus,
        "nodes": [vars(node) for node in graph.nodes],
        "backward_order": graph.backward_order,
        "whole_network_nodes": scalar_graph.whole_graph_size(net),
        "max_whole_nodes": scalar_graph.MAX_WHOLE_NODES,
    }
