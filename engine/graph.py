"""The scalar expression graph of one sample: micrograd's picture of the numbers the layers show.

Every multiply, sum, activation and the loss of sample ``s`` becomes a node holding its forward
value and its gradient, read from a step's traces (nothing here differentiates anything)::

    input      x_i = a[0][s, i]                               leaf
    weight     W[l][j][i],  bias  b[l][j]                     leaves (the parameters)
    product    W[l][j][i] · a[l-1][s, i]                      "*"  (weight, source)
    sum        z[l][s, j] = Σ_i products + b[l][j]            "+"
    activation a[l][s, j] = f(z[l][s, j])                     f    (softmax: every z of its layer)
    target     y_k = Y[s, k]                                  leaf
    loss       L_s = the loss of the sample's outputs         the loss's name (ŷ_k, y_k)
    mean       L_s / B, the sample's part of the batch loss   "/B" (the root)

A node's gradient is ∂L/∂node along this sample's path, where L is the batch loss the loss
phase reports, so every gradient carries the 1/B of the mean and equals the backward trace's
row ``s``: ``dL_dz[l][s, j]`` for a sum (and its products and bias), ``dL_da[l][s, j]`` for an
activation, ``dL_dz[l][s, j] · a[l-1][s, i]`` for a weight. That last is the sample's term of
∂L/∂W: the batch's ∂L/∂W adds every sample's term and the penalty's gradient. An input's is
``Σ_j dL_dz[1][s, j] · W[1][j][i]``. Targets get none.

The whole network's graph expands every neuron; a graph focused on neuron ``j`` of layer ``l``
expands that neuron only: its inputs are leaves (``cut``: their own inputs are left out), and the
neurons above it, up to the loss, are sums over the activations below them with the weights on
the edges (``weights``), ``cut`` where some of those activations are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import EngineError
from .network import BackwardTrace, ForwardTrace, LossTrace, Network

# Nodes of a graph at most: the whole network's (readable on one screen) and a focused one's.
MAX_WHOLE_NODES = 160
MAX_FOCUSED_NODES = 600


@dataclass
class GraphNode:
    """One scalar. ``inputs``: the ids of the nodes it is computed from, in order; ``weights``:
    for a sum drawn over activations (no product nodes), the weight on each input edge."""

    id: str
    kind: str
    op: str | None = None
    inputs: list[str] = field(default_factory=list)
    layer: int | None = None
    j: int | None = None
    i: int | None = None
    value: float | None = None
    grad: float | None = None
    weights: list[float] | None = None
    cut: bool = False

    def __repr__(self) -> str:
        return f"GraphNode({self.id}, {self.op or self.kind}, value={self.value}, grad={self.grad})"


@dataclass
class ScalarGraph:
    """``nodes`` in forward order (every node after its inputs); ``focus``: (layer, neuron) or
    None for the whole network."""

    nodes: list[GraphNode]
    focus: tuple[int, int] | None

    @property
    def backward_order(self) -> list[str]:
        """The order backpropagation visits the nodes: the root first, each node before its inputs."""
        return [node.id for node in reversed(self.nodes)]


def whole_graph_size(net: Network) -> int:
    """Nodes of the whole network's graph: inputs; per neuron its weights, products, bias, sum
    and activation; the targets, the loss and the mean."""
    sizes = net.sizes
    neurons = sum(n * (2 * sizes[l - 1] + 3) for l, n in enumerate(sizes[1:], start=1))
    return sizes[0] + neurons + sizes[-1] + 2


def _ids(l: int, j: int) -> tuple[str, str]:
    return f"z{l}[{j}]", f"a{l}[{j}]"


def sample_graph(
    net: Network,
    *,
    focus: tuple[int, int] | None = None,
    sample: int = 0,
    fwd: ForwardTrace | None = None,
    lss: LossTrace | None = None,
    back: BackwardTrace | None = None,
) -> ScalarGraph:
    """The graph of sample ``sample`` of the traces given, whole or focused on (layer, neuron).

    Values come from ``fwd`` (and ``lss`` for the targets and the loss), gradients from
    ``back`` (and ``lss``); without a trace those numbers are None, the parameters' values are
    always there. EngineError for a focus outside the network or a graph over the node limits.
    """
    sizes, L = net.sizes, len(net.layers)
    if focus is not None:
        l, j = focus
        if not (1 <= l <= L and 0 <= j < sizes[l]):
            raise EngineError(
                f"focus must be a neuron (layer 1..{L}, neuron 0..n−1), got layer {l}, neuron {j}"
            )
    elif whole_graph_size(net) > MAX_WHOLE_NODES:
        raise EngineError(
            f"the whole network's graph would have {whole_graph_size(net)} nodes, more than "
            f"{MAX_WHOLE_NODES}: choose a neuron or weight to see its part of the graph"
        )
    batch = None if fwd is None else len(fwd.inputs)
    if batch is not None and not 0 <= sample < batch:
        raise EngineError(f"sample must be 0..{batch - 1}, a row of the batch, got {sample}")
    builder = _Builder(net, sample, fwd, lss, back)
    lowest = 1 if focus is None else focus[0]
    for l in range(lowest, L + 1):
        W = net.layers[l - 1].W
        if l == lowest:
            builder.sources(l)
        for j in range(sizes[l]):
            if focus is None or (l == focus[0] and j == focus[1]):
                builder.expanded_sum(l, j)
            elif l > focus[0] or l == L:  # above the focus; or beside it, when it feeds the loss
                present = [i for i in range(W.shape[1]) if builder.source_id(l, i) in builder.by_id]
                builder.collapsed_sum(l, j, present)
        builder.activations(l)
    builder.loss()
    nodes = builder.nodes
    if len(nodes) > MAX_FOCUSED_NODES:
        raise EngineError(f"this neuron's graph would have {len(nodes)} nodes, more than {MAX_FOCUSED_NODES}")
    return ScalarGraph(nodes, focus)


class _Builder:
    """Adds the nodes layer by layer with their numbers from the traces (row ``s``)."""

    def __init__(
        self,
        net: Network,
        s: int,
        fwd: ForwardTrace | None,
        lss: LossTrace | None,
        back: BackwardTrace | None,
    ) -> None:
        self.net, self.s, self.fwd, self.lss, self.back = net, s, fwd, lss, back
        self.nodes: list[GraphNode] = []
        self.by_id: dict[str, GraphNode] = {}

    def add(self, node: GraphNode) -> GraphNode:
        self.nodes.append(node)
        self.by_id[node.id] = node
        return node

    # Numbers of row s, or None without the trace they come from.
    def a_prev(self, l: int, i: int) -> float | None:
        return None if self.fwd is None else float(self.fwd.a_in(l)[self.s, i])

    def dL_dz(self, l: int, j: int) -> float | None:
        return None if self.back is None else float(self.back.layers[l - 1].dL_dz[self.s, j])

    def source_id(self, l: int, i: int) -> str:
        """The node layer ``l`` multiplies by W[l][·][i]: input x_i, or activation i of l − 1."""
        return f"x[{i}]" if l == 1 else _ids(l - 1, i)[1]

    def sources(self, l: int) -> None:
        """What layer ``l`` reads: the inputs, or the activations of layer l − 1 as leaves."""
        for i in range(self.net.sizes[l - 1]):
            if l == 1:
                grad = None
                if self.back is not None:
                    grad = float(self.back.layers[0].dL_dz[self.s] @ self.net.layers[0].W[:, i])
                self.add(GraphNode(f"x[{i}]", "input", i=i, value=self.a_prev(1, i), grad=grad))
            else:
                da = None if self.back is None else self.back.layers[l - 2].dL_da
                self.add(
                    GraphNode(
                        _ids(l - 1, i)[1],
                        "activation",
                        op=self.net.layers[l - 2].activation,
                        layer=l - 1,
                        j=i,
                        value=self.a_prev(l, i),
                        grad=None if da is None else float(da[self.s, i]),
                        cut=True,
                    )
                )

    def expanded_sum(self, l: int, j: int) -> None:
        """Neuron j of layer l, op by op: each W·a, then their sum with the bias, which is z."""
        layer, delta = self.net.layers[l - 1], self.dL_dz(l, j)
        terms = []
        for i in range(layer.W.shape[1]):
            w, a = float(layer.W[j, i]), self.a_prev(l, i)
            wid = f"W{l}[{j}][{i}]"
            share = None if delta is None or a is None else delta * a
            self.add(GraphNode(wid, "weight", layer=l, j=j, i=i, value=w, grad=share))
            product = None if a is None else w * a
            terms.append(
                self.add(
                    GraphNode(
                        f"m{l}[{j}][{i}]",
                        "product",
                        op="*",
                        inputs=[wid, self.source_id(l, i)],
                        layer=l,
                        j=j,
                        i=i,
                        value=product,
                        grad=delta,
                    )
                ).id
            )
        bid = f"b{l}[{j}]"
        self.add(GraphNode(bid, "bias", layer=l, j=j, value=float(layer.b[j]), grad=delta))
        self.add(self.sum_node(l, j, [*terms, bid]))

    def collapsed_sum(self, l: int, j: int, present: list[int]) -> None:
        """Neuron j of layer l as one sum over the activations below it that are in the graph."""
        W = self.net.layers[l - 1].W
        node = self.sum_node(l, j, [self.source_id(l, i) for i in present])
        node.weights = [float(W[j, i]) for i in present]
        node.cut = len(present) < W.shape[1]
        self.add(node)

    def sum_node(self, l: int, j: int, inputs: list[str]) -> GraphNode:
        z = None if self.fwd is None else float(self.fwd.layers[l - 1].z[self.s, j])
        return GraphNode(
            _ids(l, j)[0], "sum", op="+", inputs=inputs, layer=l, j=j, value=z, grad=self.dL_dz(l, j)
        )

    def activations(self, l: int) -> None:
        """a = f(z) for every sum of layer l in the graph (softmax: each reads every z)."""
        name = self.net.layers[l - 1].activation
        sums = [j for j in range(self.net.sizes[l]) if _ids(l, j)[0] in self.by_id]
        dL_da = None if self.back is None else self.back.layers[l - 1].dL_da
        for j in sums:
            inputs = [_ids(l, k)[0] for k in sums] if name == "softmax" else [_ids(l, j)[0]]
            a = None if self.fwd is None else float(self.fwd.layers[l - 1].a[self.s, j])
            grad = None if dL_da is None else float(dL_da[self.s, j])
            self.add(
                GraphNode(
                    _ids(l, j)[1], "activation", op=name, inputs=inputs, layer=l, j=j, value=a, grad=grad
                )
            )

    def loss(self) -> None:
        """The targets, the sample's loss L_s and its part of the batch loss, L_s / B."""
        L, K, lss = len(self.net.layers), self.net.sizes[-1], self.lss
        for k in range(K):
            y = None if lss is None else float(lss.targets[self.s, k])
            self.add(GraphNode(f"y[{k}]", "target", j=k, value=y))
        outputs = [_ids(L, k)[1] for k in range(K)]
        B = None if self.fwd is None else len(self.fwd.inputs)
        per_sample = None if lss is None or lss.per_sample is None else float(lss.per_sample[self.s])
        grads = self.back is not None and B is not None
        self.add(
            GraphNode(
                "L_s",
                "loss",
                op=self.net.loss,
                inputs=[*outputs, *(f"y[{k}]" for k in range(K))],
                value=per_sample,
                grad=1.0 / B if grads and B else None,
            )
        )
        share = None if per_sample is None or B is None else per_sample / B
        self.add(GraphNode("L", "mean", op="/B", inputs=["L_s"], value=share, grad=1.0 if grads else None))
