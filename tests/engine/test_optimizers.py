"""Optimizer steps against their formulas, written out independently."""

import numpy as np
import pytest
from backprop_explorer.engine import EngineError, Layer, Network, NonFiniteError, Optimizer, Trainer, generate
from backprop_explorer.engine import apply_gradients as _apply


def apply_gradients(*args):
    with np.errstate(over="ignore", invalid="ignore"):  # as update() and the trainer run it
        return _apply(*args)


def one_weight_net(w=1.0, b=0.5, train_W=True, train_b=True):
    return Network([Layer(np.array([[w]]), np.array([b]), "linear", train_W, train_b)])


def test_sgd():
    net = one_weight_net()
    steps_W, steps_b = apply_gradients(net, Optimizer("sgd", 0.1), [np.array([[2.0]])], [np.array([-1.0])])
    np.testing.assert_allclose(net.layers[0].W, [[0.8]])
    np.testing.assert_allclose(net.layers[0].b, [0.6])
    np.testing.assert_allclose(steps_W[0], [[0.2]])
    np.testing.assert_allclose(steps_b[0], [-0.1])


def test_momentum_accumulates_velocity():
    net, opt = one_weight_net(), Optimizer("momentum", 0.1, beta=0.9)
    grads = [2.0, 1.0, -1.0]
    w, v = 1.0, 0.0
    for g in grads:
        apply_gradients(net, opt, [np.array([[g]])], [np.array([0.0])])
        v = 0.9 * v + g
        w -= 0.1 * v
        np.testing.assert_allclose(net.layers[0].W, [[w]], rtol=1e-15)


def test_adam_matches_its_formula():
    net, opt = one_weight_net(), Optimizer("adam", 0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    w, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate([0.5, -0.2, 0.3, 4.0], start=1):
        apply_gradients(net, opt, [np.array([[g]])], [np.array([0.0])])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        np.testing.assert_allclose(net.layers[0].W, [[w]], rtol=1e-14)
    assert opt.t == 4
    # The first Adam step has size ≈ η whatever the gradient's scale.
    fresh = one_weight_net()
    apply_gradients(fresh, Optimizer("adam", 0.01), [np.array([[1e-3]])], [np.array([0.0])])
    np.testing.assert_allclose(fresh.layers[0].W, [[0.99]], rtol=1e-6)


def test_frozen_parameters_do_not_move():
    net = one_weight_net(train_W=False)
    steps_W, steps_b = apply_gradients(
        net, Optimizer("momentum", 0.1), [np.array([[5.0]])], [np.array([1.0])]
    )
    np.testing.assert_array_equal(net.layers[0].W, [[1.0]])
    np.testing.assert_array_equal(steps_W[0], [[0.0]])
    np.testing.assert_allclose(net.layers[0].b, [0.4])


@pytest.mark.parametrize(
    "kwargs",
    [{"name": "rmsprop"}, {"learning_rate": 0}, {"learning_rate": float("nan")}, {"beta": 1.0}, {"eps": 0}],
)
def test_invalid_optimizers_are_rejected(kwargs):
    with pytest.raises(EngineError):
        Optimizer(**kwargs)


def test_adam_state_overflow_is_refused():
    # g² = inf: Adam's step m̂/(√v̂ + ε) would be a finite 0, but the state would hold inf.
    net, opt = one_weight_net(), Optimizer("adam", 0.01)
    with pytest.raises(NonFiniteError, match="optimizer state"):
        apply_gradients(net, opt, [np.array([[1e200]])], [np.array([0.0])])
    np.testing.assert_array_equal(net.layers[0].W, [[1.0]])
    assert opt.state == {} and opt.t == 0


def adam_first_step(g, lr=0.01, eps=1e-8):
    """Adam's first step from zero state, written out: m̂ = g, v̂ = g², so η·g/(|g| + ε)."""
    return lr * g / (abs(g) + eps)


def test_adam_counts_steps_per_tensor_so_an_unfrozen_layer_takes_a_full_first_step():
    # Issue 8: with one global count, a layer frozen for 5 steps took its first step with
    # t = 6, where the bias correction no longer makes up for m and v starting at zero.
    net = one_weight_net(train_W=False)
    opt = Optimizer("adam", 0.01)
    for _ in range(5):
        apply_gradients(net, opt, [np.array([[2.0]])], [np.array([0.5])])
    assert opt.t == 5 and "W1" not in opt.state and float(opt.state["b1"]["t"]) == 5.0
    net.layers[0].train_W = True
    apply_gradients(net, opt, [np.array([[2.0]])], [np.array([0.5])])
    np.testing.assert_allclose(net.layers[0].W, [[1.0 - adam_first_step(2.0)]], rtol=1e-15)
    assert float(opt.state["W1"]["t"]) == 1.0 and float(opt.state["b1"]["t"]) == 6.0
    assert opt.state["W1"]["t"].shape == () and opt.state["W1"]["t"].dtype == np.float64
    assert opt.t == 6  # updates applied, whatever each tensor did


def test_adam_state_written_before_per_tensor_counts_continues_from_the_global_count():
    # An old document: slot state with m and v only, t = 3 kept on the optimizer.
    m, v, g = 0.2, 0.01, 0.5
    opt = Optimizer("adam", 0.01, t=3, state={"W1": {"m": np.array([[m]]), "v": np.array([[v]])}})
    net = one_weight_net(train_b=False)
    apply_gradients(net, opt, [np.array([[g]])], [np.array([0.0])])
    m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
    expected = 1.0 - 0.01 * (m / (1 - 0.9**4)) / (np.sqrt(v / (1 - 0.999**4)) + 1e-8)
    np.testing.assert_allclose(net.layers[0].W, [[expected]], rtol=1e-14)
    assert float(opt.state["W1"]["t"]) == 4.0 and opt.t == 4


def test_momentum_keeps_no_step_count():
    net, opt = one_weight_net(), Optimizer("momentum", 0.1)
    apply_gradients(net, opt, [np.array([[1.0]])], [np.array([1.0])])
    assert set(opt.state["W1"]) == {"v"}


@pytest.mark.parametrize("t", [-1.0, 2.5, float("nan"), [1.0, 2.0]])
def test_a_stored_step_count_must_be_a_whole_number(t):
    state = {"W1": {"m": np.zeros((1, 1)), "v": np.zeros((1, 1)), "t": np.array(t)}}
    with pytest.raises(EngineError, match="W1.t"):
        Optimizer("adam", 0.01, state=state)


def test_the_constants_and_the_state_are_passed_by_name():
    # Eight positional numbers are easy to misorder: past the rule and η, every value is named.
    with pytest.raises(TypeError):
        Optimizer("adam", 0.01, 0.9, 0.8)  # type: ignore[misc]
    with pytest.raises(TypeError):
        Trainer(generate("xor", np.random.default_rng(0)), 4)  # type: ignore[misc]
    opt = Optimizer("adam", 0.01, beta1=0.8, t=2)
    assert (opt.beta1, opt.beta2, opt.t) == (0.8, 0.999, 2)
