"""The gradient check itself: a correct backprop never fails it, a wrong one does, even on
deep saturated networks where most of each finite difference is rounding, on sharp ones
where most of it is truncation error, and beside the kinks of relu and the L1 penalty."""

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
    init_parameters,
    loss,
)
from backprop_explorer.engine.gradcheck import Kink, compare, loss_rounding, numeric_gradient

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
        floors = rounding / steps
        errors = compare(numeric, g.dL_dW, floors)
        assert (errors <= GRADCHECK_TOLERANCE).all()
        # A gradient 200 floors clear of zero is checked to 1%: off by 1%, or with its sign
        # flipped, it fails (0.01·|g| > TOLERANCE·|g| + floor).
        clear = np.abs(g.dL_dW) > 200 * floors
        for wrong in (g.dL_dW * 1.01, -g.dL_dW):
            errors = compare(numeric, wrong, floors)
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


def sharp_case():
    """Issue 17's network: layers [4, 8×7, 1], tanh×7 + sigmoid, BCE, N(0, 10²) weights
    (seed 3), L2 0.001, on 64 random rows. Weights reach 20, so L bends so sharply along them
    that the central difference at the first step is off by up to 80 % (truncation error)."""
    sizes = [4] + [8] * 7 + [1]
    params = init_parameters(sizes, "normal", np.random.default_rng(3), 10.0)
    acts = ["tanh"] * 7 + ["sigmoid"]
    layers = [Layer(W, b, act) for (W, b), act in zip(params, acts)]
    net = Network(layers, loss="bce", regularization=Regularization("l2", 0.001))
    rng = np.random.default_rng(5)
    return net, rng.uniform(-1, 1, (64, 4)), rng.random((64, 1))


def first_differences(net, X, Y):
    """Per layer, the relative error of the single central difference against backprop."""
    fwd = forward(net, X)
    back = backward(net, fwd, loss(net, fwd, Y))
    out = []
    for layer, g in zip(net.layers, back.layers):
        numeric, _ = numeric_gradient(net, layer.W, X, Y, 1e-6)
        out.append(np.abs(numeric - g.dL_dW) / np.abs(g.dL_dW))
    return out, back


def test_truncation_error_no_longer_fails_a_correct_backprop():
    net, X, Y = sharp_case()
    errors, _ = first_differences(net, X, Y)
    assert max(e.max() for e in errors) > 0.5  # one difference at one step: a false failure
    check = gradient_check(net, X, Y)
    assert check.passed and check.max_rel_error < GRADCHECK_TOLERANCE / 5
    assert check.refined > 0 and check.truncation > 0 and check.kinks == []


def wrong_backprop(net, X, Y, tanh_prime=lambda a: 1 - a * a, penalty=True):
    """BP1–BP4 written out for tanh hidden layers and a sigmoid + BCE output (K = 1), with
    the rule for tanh′ and the penalty's gradient replaceable by a mistake."""
    fwd = forward(net, X)
    delta = (fwd.output - Y) / len(X)
    grads = []
    for l in range(len(net.layers), 0, -1):
        layer = net.layers[l - 1]
        dW = delta.T @ fwd.a_in(l) + (net.regularization.rate * layer.W if penalty else 0.0)
        grads.append((dW, delta.sum(axis=0)))
        if l > 1:
            delta = (delta @ layer.W) * tanh_prime(fwd.layers[l - 2].a)
    return grads[::-1]


@pytest.mark.slow  # a second or more alone
def test_a_wrong_gradient_still_fails_where_truncation_was_largest():
    net, X, Y = sharp_case()
    right = wrong_backprop(net, X, Y)
    assert gradient_check(net, X, Y, gradients=right).passed  # the written-out rules are right
    errors, _ = first_differences(net, X, Y)
    layer = int(np.argmax([e.max() for e in errors]))
    worst = np.unravel_index(errors[layer].argmax(), errors[layer].shape)
    off = [(dW.copy(), db.copy()) for dW, db in right]
    off[layer][0][worst] *= 1 + 3e-4  # 3 × the tolerance, where the first difference was off by 80 %
    mistakes = {
        "one entry 0.03 % off where truncation is largest": off,
        "every entry 0.1 % off": [(dW * 1.001, db * 1.001) for dW, db in right],
        "tanh′ taken as 1 − a": wrong_backprop(net, X, Y, tanh_prime=lambda a: 1 - a),
        "the L2 penalty's gradient left out": wrong_backprop(net, X, Y, penalty=False),
    }
    for name, gradients in mistakes.items():
        check = gradient_check(net, X, Y, gradients=gradients)
        assert not check.passed, name
        assert check.max_rel_error > 2 * GRADCHECK_TOLERANCE, name


def relu_at_a_kink(activation):
    """A [2, 3, 1] network whose hidden z is exactly 0 for the first sample (inputs 0, biases 0):
    moving a hidden bias by ±h moves that z across relu's kink."""
    rng = np.random.default_rng(0)
    layers = [
        Layer(rng.normal(size=(3, 2)), np.zeros(3), activation),
        Layer(rng.normal(size=(1, 3)), np.zeros(1), "linear"),
    ]
    X = np.array([[0.0, 0.0], [1.0, -0.5], [0.3, 0.8]])
    return Network(layers, loss="half_sse"), X, np.array([[1.0], [0.0], [0.5]])


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_a_difference_across_a_relu_kink_is_reported_not_failed(activation):
    net, X, Y = relu_at_a_kink(activation)
    fwd = forward(net, X)
    back = backward(net, fwd, loss(net, fwd, Y))
    numeric, _ = numeric_gradient(net, net.layers[0].b, X, Y, 1e-6)
    assert (np.abs(numeric - back.layers[0].dL_db) > 1e-3 * np.abs(numeric)).all()  # half a slope apart
    check = gradient_check(net, X, Y)
    assert check.passed
    assert check.kinks == [Kink(1, "b", (j,)) for j in range(3)]
    # Every other entry is still compared: a wrong weight gradient fails beside the kinks.
    gradients = [(g.dL_dW.copy(), g.dL_db) for g in back.layers]
    gradients[0][0][0, 0] *= 1.01
    assert not gradient_check(net, X, Y, gradients=gradients).passed


def test_a_weight_within_a_step_of_the_l1_kink_is_refined_past_it_or_reported():
    net = Network(
        [Layer(np.array([[1e-4, 1e-9, 0.5]]), np.zeros(1), "linear")], "half_sse", Regularization("l1", 0.1)
    )
    check = gradient_check(net, np.array([[1.0, 2.0, 3.0]]), np.array([[0.3]]))
    # 1e-4 lies beyond h/2 of the step 1e-6: compared; 1e-9 lies within h/128 of 0: reported.
    assert check.passed and check.kinks == [Kink(1, "W", (0, 1))]
    assert check.layers[0].numeric_W[0, 0] == pytest.approx(check.layers[0].backprop_W[0, 0], rel=1e-9)


def test_refining_stays_within_its_budget_and_says_what_it_left():
    net, X, Y = sharp_case()
    unbounded = gradient_check(net, X, Y)
    within = gradient_check(net, X, Y, refine_budget=2 * net.n_parameters)  # the first pass's
    assert within.passed and within.refined == unbounded.refined and within.unrefined == 0
    none = gradient_check(net, X, Y, refine_budget=0)
    assert none.refined == 0 and none.unrefined == unbounded.refined and not none.passed
    some = gradient_check(net, X, Y, refine_budget=60)
    assert some.refined + some.unrefined == unbounded.refined and 0 < some.refined < unbounded.refined
