"""The scalar graph of one sample against finite differences and the backward phase's rows, on
random shapes, activations and losses: every gradient is ∂L/∂node along the sample's path."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from backprop_explorer.engine import (
    EngineError,
    Network,
    Regularization,
    backward,
    build_network,
    forward,
    loss,
)
from backprop_explorer.engine.activations import ACTIVATIONS
from backprop_explorer.engine.graph import MAX_WHOLE_NODES, ScalarGraph, sample_graph, whole_graph_size
from backprop_explorer.engine.losses import LOSSES
from backprop_explorer.engine.network import is_paired

from .networks import random_case

# hidden activation, output activation, loss (smooth: finite differences are exact to ~1e-8)
SMOOTH = [
    ("tanh", "sigmoid", "bce"),
    ("sigmoid", "softmax", "cross_entropy"),
    ("tanh", "linear", "mse"),
    ("sigmoid", "sigmoid", "half_sse"),
    ("tanh", "softmax", "half_sse"),
]


def make(case: tuple[str, str, str], seed: int, max_hidden: int = 3):
    hidden, output, loss_name = case
    rng = np.random.default_rng(seed)
    reg = Regularization("l2", 0.05) if seed % 2 else Regularization()
    outputs = (2, 3) if output == "softmax" else (1, 2)
    net, X, Y = random_case(
        rng, hidden, output, loss_name, reg, outputs=outputs, max_inputs=3, widths=(1, max_hidden),
        scale=0.9, max_samples=4, binary=loss_name == "bce",
    )  # fmt: skip
    return net, X, Y, rng


def traces(net: Network, X, Y):
    fwd = forward(net, X)
    lss = loss(net, fwd, Y)
    return fwd, lss, backward(net, fwd, lss)


def sample_share(
    net: Network, X, Y, s: int, *, at: tuple[str, int, int] | None = None, h: float = 0.0
) -> float:
    """L_s / B with one sum (``("z", l, j)``) or activation (``("a", l, j)``) of sample ``s``
    moved by ``h``: the forward pass written out, so the move happens mid-network."""
    a = X
    for l, layer in enumerate(net.layers, start=1):
        z = a @ layer.W.T + layer.b
        if at and at[0] == "z" and at[1] == l:
            z[s, at[2]] += h
        a = ACTIVATIONS[layer.activation].fn(z)
        if at and at[0] == "a" and at[1] == l:
            a[s, at[2]] += h
    spec = LOSSES[net.loss]
    # A paired loss reads the logits, unless the output activation itself was moved.
    logits = is_paired(net) and not (at and at[0] == "a" and at[1] == len(net.layers))
    terms = spec.terms(Y, a, z if logits else None)
    return float(terms[s].sum() * spec.weight(Y.shape[1]) / len(X))


def central(f, h: float = 1e-6) -> float:
    return (f(h) - f(-h)) / (2 * h)


def moved(net: Network, name: str, l: int, index: tuple[int, ...], h: float) -> Network:
    other = copy.deepcopy(net)
    layer = other.layers[l - 1]
    (layer.W if name == "W" else layer.b)[index] += h
    return other


def check_against_finite_differences(net: Network, X, Y, s: int, graph: ScalarGraph) -> None:
    for node in graph.nodes:
        if node.kind == "weight":
            want = central(
                lambda h, node=node: sample_share(moved(net, "W", node.layer, (node.j, node.i), h), X, Y, s)
            )
        elif node.kind == "bias":
            want = central(
                lambda h, node=node: sample_share(moved(net, "b", node.layer, (node.j,), h), X, Y, s)
            )
        elif node.kind == "input":

            def shifted(h, i=node.i):
                X2 = X.copy()
                X2[s, i] += h
                return sample_share(net, X2, Y, s)

            want = central(shifted)
        elif node.kind in ("sum", "product"):
            want = central(lambda h, node=node: sample_share(net, X, Y, s, at=("z", node.layer, node.j), h=h))
        elif node.kind == "activation":
            want = central(lambda h, node=node: sample_share(net, X, Y, s, at=("a", node.layer, node.j), h=h))
        elif node.kind == "loss":
            want = 1 / len(X)
        elif node.kind == "mean":
            want = 1.0
        else:
            assert node.kind == "target" and node.grad is None
            continue
        assert node.grad == pytest.approx(want, rel=1e-6, abs=1e-9), node


@pytest.mark.parametrize("case", SMOOTH)
@pytest.mark.parametrize("seed", range(5))
def test_every_gradient_of_the_whole_graph_is_a_finite_difference(case, seed: int) -> None:
    net, X, Y, rng = make(case, seed)
    s = int(rng.integers(len(X)))
    fwd, lss, back = traces(net, X, Y)
    graph = sample_graph(net, sample=s, fwd=fwd, lss=lss, back=back)
    assert len(graph.nodes) == whole_graph_size(net)
    check_against_finite_differences(net, X, Y, s, graph)


@pytest.mark.parametrize("case", SMOOTH)
@pytest.mark.parametrize("seed", range(5))
def test_every_gradient_of_a_focused_graph_is_a_finite_difference(case, seed: int) -> None:
    net, X, Y, rng = make(case, 10 + seed, max_hidden=5)
    s = int(rng.integers(len(X)))
    l = int(rng.integers(1, len(net.layers) + 1))
    j = int(rng.integers(net.sizes[l]))
    fwd, lss, back = traces(net, X, Y)
    graph = sample_graph(net, focus=(l, j), sample=s, fwd=fwd, lss=lss, back=back)
    check_against_finite_differences(net, X, Y, s, graph)
    ids = {node.id for node in graph.nodes}
    # The focused neuron op by op; no other neuron of its layer has weights in the graph.
    assert {f"W{l}[{j}][{i}]" for i in range(net.sizes[l - 1])} <= ids
    assert not any(n.kind == "weight" and (n.layer, n.j) != (l, j) for n in graph.nodes)
    # Up to the loss: every neuron above it, and every output.
    for m in range(l + 1, len(net.layers) + 1):
        assert {f"z{m}[{k}]" for k in range(net.sizes[m])} <= ids
    assert {f"a{len(net.layers)}[{k}]" for k in range(net.sizes[-1])} <= ids


OUTPUTS = [("sigmoid", "bce"), ("softmax", "cross_entropy"), ("linear", "half_sse"), ("relu", "mse")]
ALL = [
    (hidden, out, loss_name) for hidden in ACTIVATIONS if hidden != "softmax" for out, loss_name in OUTPUTS
]


@pytest.mark.parametrize("case", ALL)
def test_the_graph_holds_the_backward_phases_rows_and_the_weight_terms_sum_to_dL_dW(case) -> None:
    net, X, Y, _ = make(case, 3, max_hidden=4)
    fwd, lss, back = traces(net, X, Y)
    shares = [np.zeros_like(layer.W) for layer in net.layers]
    for s in range(len(X)):
        graph = sample_graph(net, sample=s, fwd=fwd, lss=lss, back=back)
        by_id = {node.id: node for node in graph.nodes}
        for l, (f_layer, g_layer) in enumerate(zip(fwd.layers, back.layers), start=1):
            for j in range(net.sizes[l]):
                z, a = by_id[f"z{l}[{j}]"], by_id[f"a{l}[{j}]"]
                assert (z.value, a.value) == (f_layer.z[s, j], f_layer.a[s, j])
                assert z.grad == g_layer.dL_dz[s, j] and by_id[f"b{l}[{j}]"].grad == g_layer.dL_dz[s, j]
                assert a.grad == g_layer.dL_da[s, j]
                terms = [by_id[f"m{l}[{j}][{i}]"].value for i in range(net.sizes[l - 1])]
                assert z.value == pytest.approx(sum(terms) + net.layers[l - 1].b[j], rel=1e-12, abs=1e-12)
                for i in range(net.sizes[l - 1]):
                    shares[l - 1][j, i] += by_id[f"W{l}[{j}][{i}]"].grad
        assert by_id["L_s"].value == lss.per_sample[s] and by_id["L"].value == lss.per_sample[s] / len(X)
        assert [by_id[f"y[{k}]"].value for k in range(Y.shape[1])] == list(Y[s])
    for l, (layer, g_layer) in enumerate(zip(net.layers, back.layers), start=1):
        penalty = net.regularization.grad(layer.W)
        total = shares[l - 1] + (0 if penalty is None else penalty)
        np.testing.assert_allclose(total, g_layer.dL_dW, rtol=1e-12, atol=1e-15)


def test_every_node_comes_after_its_inputs_and_backward_visits_the_root_first() -> None:
    net, X, Y, _ = make(SMOOTH[1], 4)
    graph = sample_graph(net, sample=0, fwd=forward(net, X))
    seen: set[str] = set()
    for node in graph.nodes:
        assert set(node.inputs) <= seen, node
        seen.add(node.id)
    assert graph.backward_order[0] == "L" and graph.backward_order[-1] == graph.nodes[0].id


def test_numbers_appear_with_the_traces_that_hold_them() -> None:
    net, X, Y, _ = make(SMOOTH[0], 1)
    bare = sample_graph(net)
    assert all(n.grad is None for n in bare.nodes)
    assert all((n.value is not None) == (n.kind in ("weight", "bias")) for n in bare.nodes)
    fwd, lss, back = traces(net, X, Y)
    after_forward = sample_graph(net, fwd=fwd)
    assert all((n.value is None) == (n.kind in ("target", "loss", "mean")) for n in after_forward.nodes)
    assert all(n.grad is None for n in sample_graph(net, fwd=fwd, lss=lss).nodes)
    full = sample_graph(net, fwd=fwd, lss=lss, back=back)
    assert all((n.grad is None) == (n.kind == "target") for n in full.nodes)


def test_a_focused_graph_cuts_what_it_leaves_out() -> None:
    net = build_network([2, 3, 2, 1], ["tanh", "tanh", "sigmoid"], loss="bce", rng=np.random.default_rng(0))
    graph = sample_graph(net, focus=(2, 1))
    by_id = {node.id: node for node in graph.nodes}
    # Its inputs are the activations of layer 1, leaves whose own inputs are left out.
    assert [by_id[f"a1[{i}]"].cut for i in range(3)] == [True] * 3 and not by_id["a1[0]"].inputs
    # The output sums over layer 2's activations, of which only neuron 1's is in the graph.
    out = by_id["z3[0]"]
    assert out.inputs == ["a2[1]"] and out.cut and out.weights == [float(net.layers[2].W[0, 1])]
    assert "a2[0]" not in by_id


def test_refusals_name_the_limit() -> None:
    net = build_network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], rng=np.random.default_rng(0))
    assert whole_graph_size(net) > MAX_WHOLE_NODES
    with pytest.raises(EngineError, match="choose a neuron"):
        sample_graph(net)
    with pytest.raises(EngineError, match="focus must be a neuron"):
        sample_graph(net, focus=(4, 0))
    with pytest.raises(EngineError, match="sample must be 0..1"):
        sample_graph(net, focus=(1, 0), sample=2, fwd=forward(net, np.zeros((2, 2))))
