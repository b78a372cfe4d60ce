"""The loss landscape against direct evaluation: the network with the parameter set, then the
loss phase's scalar, on random shapes, activations, losses and penalties."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from backprop_explorer.engine import EngineError, Network, Regularization, total_loss
from backprop_explorer.engine import landscape as ls
from backprop_explorer.engine.landscape import grid_losses, loss_landscape
from backprop_explorer.engine.parameters import ParameterRef, value_of

from .networks import random_case

CASES = [
    # hidden activation, output activation, loss, regularization
    ("tanh", "sigmoid", "bce", Regularization("l2", 0.01)),
    ("relu", "softmax", "cross_entropy", Regularization("l1", 0.02)),
    ("sigmoid", "linear", "mse", Regularization()),
    ("leaky_relu", "sigmoid", "half_sse", Regularization("l2", 0.1)),
]


def make_case(case: int, seed: int) -> tuple[Network, np.ndarray, np.ndarray]:
    hidden, output, loss_name, reg = CASES[case]
    outputs = 3 if output == "softmax" else (1, 2)
    return random_case(
        np.random.default_rng(seed), hidden, output, loss_name, reg, outputs=outputs, max_inputs=4,
        widths=(2, 5), scale=0.8, max_samples=29, binary=output == "sigmoid",
    )  # fmt: skip


def random_ref(net: Network, rng: np.random.Generator) -> ParameterRef:
    layer = int(rng.integers(1, len(net.layers) + 1))
    W = net.layers[layer - 1].W
    if rng.random() < 0.7:
        return ParameterRef(layer, "W", (int(rng.integers(W.shape[0])), int(rng.integers(W.shape[1]))))
    return ParameterRef(layer, "b", (int(rng.integers(W.shape[0])),))


def direct(net: Network, X, Y, refs: list[ParameterRef], values) -> float:
    moved = copy.deepcopy(net)
    for ref, v in zip(refs, values):
        layer = moved.layers[ref.layer - 1]
        (layer.W if ref.name == "W" else layer.b)[ref.index] = v
    return total_loss(moved, X, Y)


@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("seed", range(6))
def test_each_point_is_the_loss_of_the_network_with_those_values(case: int, seed: int) -> None:
    net, X, Y = make_case(case, seed)
    rng = np.random.default_rng(100 + seed)
    refs = [random_ref(net, rng)]
    second = random_ref(net, rng)
    if second != refs[0]:
        refs.append(second)
    before = copy.deepcopy(net)
    offsets = [rng.normal(scale=1.5, size=int(rng.integers(1, 5))) for _ in refs]
    got = grid_losses(net, X, Y, refs, offsets)
    assert got.shape == tuple(len(o) for o in offsets)
    for point in np.ndindex(got.shape):
        values = [value_of(net, ref) + offsets[k][i] for k, (ref, i) in enumerate(zip(refs, point))]
        assert got[point] == pytest.approx(direct(net, X, Y, refs, values), rel=1e-12, abs=1e-14)
    for a, b in zip(net.layers, before.layers):  # nothing moved for real
        np.testing.assert_array_equal(a.W, b.W)
        np.testing.assert_array_equal(a.b, b.b)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_the_slope_at_the_current_point_is_the_backward_gradient(case: int) -> None:
    net, X, Y = make_case(case, 7)
    rng = np.random.default_rng(3)
    for _ in range(4):
        ref = random_ref(net, rng)
        if ref.name == "W" and CASES[case][3].kind == "l1" and abs(value_of(net, ref)) < 1e-3:
            continue  # |w| has no derivative at 0
        h = 1e-5
        land = loss_landscape(net, X, Y, [ref], radius=h, points=3)
        slope = (land.loss[2] - land.loss[0]) / (land.axes[0][2] - land.axes[0][0])
        assert slope == pytest.approx(land.gradient[0], rel=1e-5, abs=1e-9)
        assert land.loss[1] == pytest.approx(land.current_loss, rel=1e-13)
        assert land.current_loss == total_loss(net, X, Y)


def test_two_parameters_lay_the_first_along_rows() -> None:
    net, X, Y = make_case(0, 11)
    refs = [ParameterRef(1, "W", (0, 0)), ParameterRef(len(net.layers), "b", (0,))]
    land = loss_landscape(net, X, Y, refs, radius=1.0, points=5)
    assert land.loss.shape == (5, 5)
    for i, j in [(0, 4), (4, 0), (1, 3), (2, 2)]:
        want = direct(net, X, Y, refs, [land.axes[0][i], land.axes[1][j]])
        assert land.loss[i, j] == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(land.axes[0][2], land.value[0])
    np.testing.assert_allclose(land.axes[1], land.value[1] + np.linspace(-1, 1, 5))


@pytest.mark.parametrize("case", range(len(CASES)))
def test_how_the_grid_is_cut_into_blocks_changes_no_number(
    case: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    net, X, Y = make_case(case, 2)
    rng = np.random.default_rng(case)
    pairs = [[random_ref(net, rng), random_ref(net, rng)] for _ in range(6)]
    pairs.append([ParameterRef(1, "W", (0, 0)), ParameterRef(1, "b", (1 % net.sizes[1],))])
    for refs in pairs:
        if refs[0] == refs[1]:
            continue
        whole = loss_landscape(net, X, Y, refs, radius=2.0, points=9).loss
        for floats in (16, 30 * len(X) * max(net.sizes), 100 * len(X) * max(net.sizes)):
            monkeypatch.setattr(ls, "CHUNK_FLOATS", floats)  # one point, a few, whole rows per block
            np.testing.assert_array_equal(loss_landscape(net, X, Y, refs, radius=2.0, points=9).loss, whole)
        monkeypatch.undo()


def test_the_minimum_along_a_line_is_where_direct_evaluation_puts_it() -> None:
    net, X, Y = make_case(2, 5)
    ref = ParameterRef(len(net.layers), "b", (0,))
    land = loss_landscape(net, X, Y, [ref], radius=3.0, points=61)
    direct_losses = [direct(net, X, Y, [ref], [v]) for v in land.axes[0]]
    assert int(np.argmin(land.loss)) == int(np.argmin(direct_losses))


@pytest.mark.parametrize(
    "refs, message",
    [
        ([ParameterRef(9, "W", (0, 0))], "layer must be"),
        ([ParameterRef(1, "W", (0,))], "index must be"),
        ([ParameterRef(1, "b", (0, 0))], "index must be"),
        ([ParameterRef(1, "W", (99, 0))], "index must be"),
        ([ParameterRef(1, "v", (0,))], "name must be"),
        ([ParameterRef(1, "b", (0,))] * 2, "different"),
        ([], "one or two"),
    ],
)
def test_bad_choices_are_refused(refs: list[ParameterRef], message: str) -> None:
    net, X, Y = make_case(0, 1)
    with pytest.raises(EngineError, match=message):
        loss_landscape(net, X, Y, refs, radius=1.0, points=5)
