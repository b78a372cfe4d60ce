"""Exact at the edges: a saturated output reports true derivatives, and the trace names the
rule that gave dL_dz, so the equation the inspector shows always multiplies out."""

import math

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
    # The paired rule, from the reported a: (a − y)/(K·B), K = B = 1.
    np.testing.assert_array_equal(out.dL_dz, fwd.output - y)
    # ∂L/∂a = −y/a + (1−y)/(1−a) with 1/a = 1 + e^−z, 1/(1−a) = 1 + e^z; f′(z) = σ(z)σ(−z).
    dL_da = (1 - y) * (1 + math.exp(z)) - y * (1 + math.exp(-z))
    da_dz = sigma(z) * sigma(-z)
    assert out.dL_da[0, 0] == pytest.approx(dL_da, rel=1e-13)
    np.testing.assert_array_equal(lss.dL_da, out.dL_da)
    assert out.da_dz[0, 0] == pytest.approx(da_dz, rel=1e-13) and out.da_dz[0, 0] > 0
    # The product multiplies out to the true ∂L/∂z = σ(z) − y (= −σ(−z) when y = 1).
    exact = sigma(z) if y == 0 else -sigma(-z)
    assert out.dL_da[0, 0] * out.da_dz[0, 0] == pytest.approx(exact, rel=1e-12)


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
    np.testing.assert_array_equal(out.dL_dz, fwd.output * Y.sum() - Y)
    expected = -(1 + math.exp(gap)) if gap < 709 else -MAX
    assert out.dL_da[0, 1] == pytest.approx(expected, rel=1e-13)
    assert out.dL_da[0, 0] == 0.0
    assert lss.data_loss == pytest.approx(gap + math.log1p(math.exp(-gap)), rel=1e-13)


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
