"""The gradient check itself: a correct backprop never fails it, a wrong one does, even on
deep saturated networks where most of each finite difference is rounding."""

import numpy as np
import pytest
from backprop_explorer.engine import (
    GRADCHECK_TOLERANCE,
    Layer,
    Network,
    Regularization,
    backward,
    build_network,
    forward,
    gradient_check,
    loss,
)
from backprop_explorer.engine.gradcheck import compare, loss_rounding, numeric_gradient

OUTPUTS = [
    ("bce", "sigmoid"),
    ("half_sse", "tanh"),
    ("mse", "sigmoid"),
    ("mse", "linear"),
    ("cross_entropy", "softmax"),
]


def saturated_case(seed):
    """A random deep network with large weights: many units saturated, tiny gradients."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(3, 7))
    sizes = [int(rng.integers(1, 7)) for _ in range(depth)] + [int(rng.integers(2, 4))]
    hidden = [str(rng.choice(["tanh", "sigmoid", "linear"])) for _ in range(depth - 1)]
    loss_name, out = OUTPUTS[seed % len(OUTPUTS)]
    reg = Regularization(str(rng.choice(["none", "l1", "l2"])), 0.01)
    scale = float(rng.choice([3.0, 6.0, 10.0]))
    net = build_network(
        sizes, [*hidden, out], loss=loss_name, regularization=reg, init="normal", scale=scale, rng=rng
    )
    X = rng.normal(0, 2, (int(rng.integers(1, 8)), sizes[0]))
    if loss_name == "cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], len(X))]
    elif loss_name == "bce":
        Y = rng.integers(0, 2, (len(X), sizes[-1])).astype(np.float64)
    else:
        Y = rng.uniform(0, 1, (len(X), sizes[-1]))
    return net, X, Y


def old_check_failed(check) -> bool:
    """The criterion used before: relative error over max(|numeric|, |backprop|, 1e-7)."""
    for layer in check.layers:
        for num, ana in ((layer.numeric_W, layer.backprop_W), (layer.numeric_b, layer.backprop_b)):
            if (np.abs(num - ana) / np.maximum(np.maximum(np.abs(num), np.abs(ana)), 1e-7)).max() >= 1e-4:
                return True
    return False


def test_correct_backprop_passes_on_deep_saturated_networks():
    checks = [gradient_check(*saturated_case(seed)) for seed in range(80)]
    failed = [seed for seed, check in enumerate(checks) if not check.passed]
    assert failed == []
    for check in checks:
        assert check.max_rel_error <= check.tolerance == GRADCHECK_TOLERANCE
        assert check.floor > 0 and check.loss_rounding > 0
    # These networks are the hard case: the fixed floor of before failed a good share of them.
    assert sum(old_check_failed(check) for check in checks) >= 5


@pytest.mark.parametrize("seed", range(30))
def test_a_wrong_gradient_fails_wherever_it_stands_above_the_rounding_floor(seed):
    net, X, Y = saturated_case(seed)
    fwd = forward(net, X)
    lss = loss(net, fwd, Y)
    back = backward(net, fwd, lss)
    rounding = loss_rounding(net, fwd, lss, back)
    for layer, g in zip(net.layers, back.layers):
        numeric, steps = numeric_gradient(net, layer.W, X, Y, 1e-6)
        errors, floors = compare(numeric, g.dL_dW, steps, rounding)
        assert (errors <= GRADCHECK_TOLERANCE).all()
        # A gradient 200 floors clear of zero is checked to 1%: off by 1%, or with its sign
        # flipped, it fails (0.01·|g| > TOLERANCE·|g| + floor).
        clear = np.abs(g.dL_dW) > 200 * floors
        for wrong in (g.dL_dW * 1.01, -g.dL_dW):
            errors, _ = compare(numeric, wrong, steps, rounding)
            assert (errors[clear] > GRADCHECK_TOLERANCE).all()


def test_most_gradients_of_saturated_networks_stay_checkable():
    # The floor must not swallow the check: most parameters stand 200 floors clear of zero.
    clear = total = 0
    for seed in range(30):
        check = gradient_check(*saturated_case(seed))
        for layer in check.layers:
            for grad in (layer.backprop_W, layer.backprop_b):
                floor = check.loss_rounding / check.epsilon  # the floor at |θ| ≤ 1, the largest
                clear += int((np.abs(grad) > 200 * floor).sum())
                total += grad.size
    assert clear / total > 0.5


def test_on_an_ordinary_network_the_floor_is_far_below_the_gradients():
    net, X, Y = saturated_case(0)
    net = build_network([2, 4, 1], ["tanh", "sigmoid"], loss="bce", rng=np.random.default_rng(0))
    X = np.random.default_rng(1).normal(size=(5, 2))
    check = gradient_check(net, X, (X[:, :1] > 0).astype(np.float64))
    assert check.passed and check.floor < 1e-8


def test_the_step_grows_with_the_parameter_so_huge_weights_are_checked():
    # W = 1e11: θ + 1e-6 rounds back to θ, so a fixed step would measure a zero slope.
    net = Network([Layer(np.array([[1e11]]), np.array([0.0]), "linear")], loss="half_sse")
    X, Y = np.array([[1.0]]), np.array([[0.0]])
    check = gradient_check(net, X, Y)
    assert check.passed
    assert check.layers[0].numeric_W[0, 0] == pytest.approx(1e11, rel=1e-9)
    assert check.layers[0].backprop_W[0, 0] == 1e11


def test_parameters_are_restored_exactly():
    net, X, Y = saturated_case(3)
    before = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]
    gradient_check(net, X, Y)
    for (W, b), layer in zip(before, net.layers):
        np.testing.assert_array_equal(W, layer.W)
        np.testing.assert_array_equal(b, layer.b)
