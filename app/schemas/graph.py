"""The wire format of the computational graph of one sample (``POST …/graph``)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from .base import Phase, Request, Response

NodeKind = Literal["input", "weight", "bias", "product", "sum", "activation", "target", "loss", "mean"]


class GraphFocus(Request):
    """Neuron ``neuron`` (0-based) of layer ``layer`` (1..L)."""

    layer: int = Field(ge=1)
    neuron: int = Field(ge=0)


class GraphIn(Request):
    sample: int = Field(0, ge=0, description="the row of the step's batch the graph is of")
    focus: GraphFocus | None = Field(
        None, description="a neuron, expanded op by op with its path to the loss; null: the whole network"
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{}, {"sample": 1, "focus": {"layer": 1, "neuron": 0}}]}
    )


class GraphNode(Response):
    """One scalar of the sample's computation. ``value``: its forward value (null before the
    phase that computes it); ``grad``: ∂L/∂node along this sample's path (null before backward,
    and for targets)."""

    id: str
    kind: NodeKind
    op: str | None = Field(description='"*", "+", the activation\'s or loss\'s name, "/B"; null for a leaf')
    inputs: list[str] = Field(description="ids of the nodes it is computed from")
    layer: int | None
    j: int | None = Field(description="the neuron (of W[l][j][i], b[l][j], z, a), or a target's output k")
    i: int | None = Field(description="the input of a weight or product, or of x_i")
    value: float | None
    grad: float | None
    weights: list[float] | None = Field(
        description="a sum drawn straight from activations: the weight on each input edge"
    )
    cut: bool = Field(description="some of the node's inputs are not in this graph")


class GraphOut(Response):
    phase: Phase
    sample: int | None = Field(description="the batch row; null when no step is in progress")
    batch_size: int | None
    focus: GraphFocus | None
    nodes: list[GraphNode] = Field(description="in forward order: every node after its inputs")
    backward_order: list[str] = Field(description="the order backpropagation visits the nodes, root first")
    whole_network_nodes: int = Field(description="nodes the whole network's graph has")
    max_whole_nodes: int = Field(description="the most nodes a whole network's graph may have")
