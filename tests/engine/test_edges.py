"""Exact at the edges: a saturated output reports true derivatives, and the trace names the
rule that gave dL_dz, so the equation the inspector shows always multiplies out."""

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest
from backprop_explorer.engine import (
    ACTIVATIONS,
    DL_DZ_RULES,
    Layer,
    Network,
    backward,
    build_network,
    forward,
    loss,
)
from backprop_explorer.engine.fastpath import SGDSteps
from backprop_explorer.engine.optimizers import FlatSGD, Optimizer

MAX = np.finfo(np.float64).max


def sigma(z: float) -> float:
    """σ(z) written independently of the engine, without cancellation on either side."""
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def one_neuron(z, activation, loss_name, K=1):
    """A single layer whose pre-activations are exactly ``z`` for the input 1."""
    W = np.array(z, dtype=np.float64).reshape(K, 1)
    net = Network([Layer(W, np.zeros(K), activation)], loss=loss_name)
    return net, np.ones((1, 1))


def trace(net, X, Y):
    fwd = forward(net, X)
    lss = loss(net, fwd, Y)
    return fwd, lss, backward(net, fwd, lss).layers[-1]


@pytest.mark.parametrize("z", [-700.0, -40.0, -30.0, -0.3, 0.0, 2.5, 30.0, 40.0, 700.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_sigmoid_bce_output_reports_exact_derivatives(z, y):
    net, X = one_neuron([z], "sigmoid", "bce")
    fwd, lss, out = trace(net, X, np.array([[y]]))
    assert out.dL_dz_rule == "paired_sigmoid_bce"
    # The paired rule, (a − y)/(K·B) with K = B = 1, summed as (1 − y)·σ(z) − y·σ(−z).
    np.testing.assert_array_equal(
        out.dL_dz, (1 - y) * fwd.output - y * ACTIVATIONS["sigmoid"].fn(-np.array([[z]]))
    )
    # ∂L/∂a = −y/a + (1−y)/(1−a) with 1/a = 1 + e^−z, 1/(1−a) = 1 + e^z; f′(z) = σ(z)σ(−z).
    dL_da = (1 - y) * (1 + math.exp(z)) - y * (1 + math.exp(-z))
    da_dz = sigma(z) * sigma(-z)
    assert out.dL_da[0, 0] == pytest.approx(dL_da, rel=1e-13)
    np.testing.assert_array_equal(lss.dL_da, out.dL_da)
    assert out.da_dz[0, 0] == pytest.approx(da_dz, rel=1e-13) and out.da_dz[0, 0] > 0
    # The product multiplies out to the true ∂L/∂z = σ(z) − y (= −σ(−z) when y = 1).
    exact = sigma(z) if y == 0 else -sigma(-z)
    assert out.dL_da[0, 0] * out.da_dz[0, 0] == pytest.approx(exact, rel=1e-12)


def exact_delta(z: float, y: float) -> Decimal:
    """σ(z) − y in 60-digit decimal arithmetic, from the exact values of the floats z and y."""
    with localcontext() as ctx:
        ctx.prec = 60
        shrink, y = (-Decimal(z)).exp(), Decimal(y)
        return ((1 - y) - y * shrink) / (1 + shrink)  # = 1/(1 + e^−z) − y, which would round to 0


@pytest.mark.parametrize("z", [-700.0, -30.0, 30.0, 700.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.3, 0.999])
def test_saturated_sigmoid_bce_dL_dz_matches_high_precision_arithmetic(z, y):
    # At z = 30, y = 1, a − y cancels: −9.35918e−14 against the exact −9.357623e−14 (1.7e−4).
    net, X = one_neuron([z], "sigmoid", "bce")
    Y = np.array([[y]])
    _, _, out = trace(net, X, Y)
    exact = exact_delta(z, y)
    assert abs((Decimal(float(out.dL_dz[0, 0])) - exact) / exact) < Decimal("1e-14")
    # Training's fast path computes it the same way, to the bit (K = B = 1: dL_db = dL_dz).
    fast, _ = one_neuron([z], "sigmoid", "bce")
    flat = FlatSGD(fast, Optimizer("sgd", 1e-300))
    SGDSteps(fast, flat, [0.0]).step(X, Y)
    np.testing.assert_array_equal(flat.grads[0][1], out.dL_db)


def test_issue_cases_at_z_30_and_40_multiply_out():
    # Issue 8: at z = 30 the clipped dL_da was 1e12 against da_dz 9.4e-14; at z = 40 da_dz was 0.
    for z in (30.0, 40.0):
        net, X = one_neuron([z], "sigmoid", "bce")
        _, _, out = trace(net, X, np.array([[0.0]]))
        assert out.dL_da[0, 0] == pytest.approx(1 + math.exp(z), rel=1e-13)
        assert out.dL_da[0, 0] * out.da_dz[0, 0] == pytest.approx(out.dL_dz[0, 0], rel=1e-12)


def test_beyond_float64_dL_da_is_the_largest_float_and_dL_dz_stays_exact():
    net, X = one_neuron([800.0, -800.0], "sigmoid", "bce", K=2)
    _, lss, out = trace(net, X, np.array([[0.0, 1.0]]))
    np.testing.assert_allclose(out.dL_da, [[MAX / 2, -MAX / 2]], rtol=1e-12)  # ÷ K = 2
    np.testing.assert_array_equal(out.da_dz, [[0.0, 0.0]])  # σ(800)σ(−800) underflows
    np.testing.assert_array_equal(out.dL_dz, [[0.5, -0.5]])
    assert lss.data_loss == pytest.approx(800.0)


@pytest.mark.parametrize("gap", [0.5, 30.0, 700.0, 800.0])
def test_softmax_cross_entropy_output_reports_exact_derivatives(gap):
    # Logits (0, −gap), target class 2: a_2 = e^−gap/(1 + e^−gap), so −1/a_2 = −(1 + e^gap).
    net, X = one_neuron([0.0, -gap], "softmax", "cross_entropy", K=2)
    Y = np.array([[0.0, 1.0]])
    fwd, lss, out = trace(net, X, Y)
    assert out.dL_dz_rule == "paired_softmax_ce" and out.da_dz is None
    np.testing.assert_allclose(out.dL_dz, fwd.output * Y.sum() - Y, rtol=1e-15, atol=0)
    expected = -(1 + math.exp(gap)) if gap < 709 else -MAX
    assert out.dL_da[0, 1] == pytest.approx(expected, rel=1e-13)
    assert out.dL_da[0, 0] == 0.0
    assert lss.data_loss == pytest.approx(gap + math.log1p(math.exp(-gap)), rel=1e-13)


def exact_softmax_delta(z: list[float], y: list[float]) -> list[Decimal]:
    """a·Σ_k y_k − y for softmax outputs a, in 60-digit decimal arithmetic."""
    with localcontext() as ctx:
        ctx.prec = 60
        top = max(z)
        e = [(Decimal(v) - Decimal(top)).exp() for v in z]
        total, ys = sum(e), [Decimal(v) for v in y]
        # a_j·Σ y − y_j = (e_j·Σ y − y_j·Σ e)/Σ e, with the e_j·y_j terms dropped from both sums
        return [
            (e[j] * sum(ys[:j] + ys[j + 1 :]) - ys[j] * sum(e[:j] + e[j + 1 :])) / total
            for j in range(len(z))
        ]


@pytest.mark.parametrize(
    "z, y",
    [
        ([30.0, 0.0], [1.0, 0.0]),  # the target class holds all but e^−30 of the probability
        ([700.0, 0.0, -5.0], [1.0, 0.0, 0.0]),
        ([-30.0, 0.0], [0.0, 1.0]),
        ([30.0, 0.0, 1.5], [0.7, 0.2, 0.1]),  # a probability target
        ([1e6, -1e6], [0.25, 0.75]),
    ],
)
def test_saturated_softmax_cross_entropy_dL_dz_and_loss_match_high_precision_arithmetic(z, y):
    # Logits (30, 0) with the first class the target: a − y gave −9.348e−14 against −9.358e−14.
    net, X = one_neuron(z, "softmax", "cross_entropy", K=len(z))
    Y = np.array([y])
    _, lss, out = trace(net, X, Y)
    for got, exact in zip(out.dL_dz[0], exact_softmax_delta(z, y), strict=True):
        assert abs(Decimal(float(got)) - exact) <= abs(exact) * Decimal("1e-14")
    with localcontext() as ctx:
        ctx.prec = 400  # 1 + e^−700 must not round to 1
        log_total = sum((Decimal(v) - Decimal(max(z))).exp() for v in z).ln()
        exact_loss = -sum(Decimal(t) * (Decimal(v) - Decimal(max(z)) - log_total) for v, t in zip(z, y))
    assert abs(Decimal(lss.data_loss) - exact_loss) <= exact_loss * Decimal("1e-14")
    fast, _ = one_neuron(z, "softmax", "cross_entropy", K=len(z))
    flat = FlatSGD(fast, Optimizer("sgd", 1e-300))
    SGDSteps(fast, flat, [0.0]).step(X, Y)
    np.testing.assert_array_equal(flat.grads[0][1], out.dL_db)


def test_unpaired_sigmoid_output_has_exact_f_prime_at_saturation():
    net, X = one_neuron([40.0], "sigmoid", "mse")
    _, _, out = trace(net, X, np.array([[0.0]]))
    assert out.dL_dz_rule == "chain"
    assert out.da_dz[0, 0] == pytest.approx(sigma(40.0) * sigma(-40.0), rel=1e-13)  # not 0
    np.testing.assert_array_equal(out.dL_dz, out.dL_da * out.da_dz)


@pytest.mark.parametrize("seed", range(40))
def test_every_chain_rule_layer_multiplies_out_exactly(seed):
    rng = np.random.default_rng(seed)
    out_act = rng.choice(["sigmoid", "tanh", "linear", "relu", "softmax"])
    loss_name = rng.choice(["half_sse", "mse", "bce", "cross_entropy"])
    sizes = [int(n) for n in rng.integers(1, 5, rng.integers(2, 5))] + [int(rng.integers(2, 4))]
    acts = [str(rng.choice(["sigmoid", "tanh", "relu", "leaky_relu", "linear"])) for _ in sizes[2:]]
    net = build_network(sizes, [*acts, str(out_act)], loss=str(loss_name), init="normal", scale=4.0, rng=rng)
    X = rng.normal(0, 3, (int(rng.integers(1, 6)), sizes[0]))
    Y = rng.uniform(0, 1, (len(X), sizes[-1]))
    fwd = forward(net, X)
    back = backward(net, fwd, loss(net, fwd, Y))
    for g in back.layers:
        assert g.dL_dz_rule in DL_DZ_RULES
        if g.dL_dz_rule == "chain":
            np.testing.assert_array_equal(g.dL_dz, g.dL_da * g.da_dz)
        elif g.dL_dz_rule == "softmax_jacobian":
            a = fwd.output
            np.testing.assert_array_equal(g.dL_dz, a * (g.dL_da - (g.dL_da * a).sum(axis=1, keepdims=True)))
    rules = [g.dL_dz_rule for g in back.layers]
    assert rules[:-1] == ["chain"] * (len(rules) - 1)
    paired = {("bce", "sigmoid"): "paired_sigmoid_bce", ("cross_entropy", "softmax"): "paired_softmax_ce"}
    expected = paired.get((str(loss_name), str(out_act)))
    expected = expected or ("softmax_jacobian" if out_act == "softmax" else "chain")
    assert rules[-1] == expected


def test_sigmoid_prime_is_sigma_times_sigma_of_minus_z():
    z = np.array([[-50.0, -20.0, -1.0, 0.0, 1.0, 20.0, 37.0, 50.0]])
    act = ACTIVATIONS["sigmoid"]
    got = act.prime(z, act.fn(z))
    np.testing.assert_allclose(got[0], [sigma(v) * sigma(-v) for v in z[0]], rtol=1e-14)
