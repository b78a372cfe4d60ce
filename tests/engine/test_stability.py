"""Saturated inputs, huge learning rates and determinism."""

import numpy as np
import pytest
from backprop_explorer.engine import (
    ACTIVATIONS,
    LOSSES,
    Layer,
    Network,
    NonFiniteError,
    Optimizer,
    Trainer,
    backward,
    build_network,
    forward,
    generate,
    loss,
    train,
    update,
)

Z = np.array([[-1000.0, -1.0, 0.0, 1.0, 1000.0]])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_are_finite_at_large_z(name):
    # The autouse fixture turns any NumPy RuntimeWarning (overflow, invalid) into an error.
    act = ACTIVATIONS[name]
    a = act.fn(Z)
    assert np.isfinite(a).all()
    if act.prime is not None:
        assert np.isfinite(act.prime(Z, a)).all()


def test_sigmoid_and_softmax_values_at_saturation():
    np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].fn(np.array([[-1000.0, 1000.0]])), [[0.0, 1.0]])
    np.testing.assert_allclose(ACTIVATIONS["softmax"].fn(Z).sum(), 1.0)


@pytest.mark.parametrize(
    ("loss_name", "out_act"), [("bce", "sigmoid"), ("cross_entropy", "softmax"), ("mse", "sigmoid")]
)
def test_saturated_outputs_give_finite_loss_and_gradients(loss_name, out_act):
    # |z| = 1000 at the output, confidently wrong: loss is large but finite, gradients exact.
    W = np.array([[1000.0], [-1000.0]])
    net = Network([Layer(W, np.zeros(2), out_act)], loss=loss_name)
    X = np.array([[1.0]])
    Y = np.array([[0.0, 1.0]])
    fwd = forward(net, X)
    lss = loss(net, fwd, Y)
    back = backward(net, fwd, lss)
    assert np.isfinite(lss.loss) and np.isfinite(lss.dL_da).all()
    for g in back.layers:
        assert np.isfinite(g.dL_dW).all() and np.isfinite(g.dL_dz).all()
    if loss_name == "bce":
        # Computed from the logits: −log σ(−1000) = 1000 exactly, not a clipped log(1e-12).
        np.testing.assert_allclose(lss.data_loss, 1000.0)
        np.testing.assert_allclose(back.layers[0].dL_dz, [[0.5, -0.5]])  # (ŷ − y)/K
    if loss_name == "cross_entropy":
        np.testing.assert_allclose(lss.data_loss, 2000.0)
        np.testing.assert_allclose(back.layers[0].dL_dz, [[1.0, -1.0]])  # ŷ − y


def test_losses_registry_names_match_api():
    assert set(LOSSES) == {"half_sse", "mse", "bce", "cross_entropy"}


def test_refused_step_leaves_parameters_and_state_untouched():
    rng = np.random.default_rng(0)
    net = build_network([2, 3, 1], ["relu", "linear"], loss="mse", init="normal", scale=1.0, rng=rng)
    # Inputs ~1e5 make gradients ~1e10 or more, so a step of 1e300·g overflows to infinity.
    X, Y = 1e5 * rng.normal(size=(4, 2)), rng.normal(size=(4, 1))
    opt = Optimizer("momentum", learning_rate=1e300)
    opt_ok = Optimizer("momentum", learning_rate=1e-3)
    fwd = forward(net, X)
    update(net, opt_ok, backward(net, fwd, loss(net, fwd, Y)), X, Y)  # state to preserve
    opt.state = {k: {kk: vv.copy() for kk, vv in v.items()} for k, v in opt_ok.state.items()}
    opt.t = opt_ok.t
    before = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]
    state_before = {k: v["v"].copy() for k, v in opt.state.items()}
    fwd = forward(net, X)
    back = backward(net, fwd, loss(net, fwd, Y))
    with pytest.raises(NonFiniteError, match="lower learning rate"):
        update(net, opt, back, X, Y)
    for (W, b), layer in zip(before, net.layers):
        np.testing.assert_array_equal(W, layer.W)
        np.testing.assert_array_equal(b, layer.b)
    assert opt.t == 1
    for k, v in state_before.items():
        np.testing.assert_array_equal(opt.state[k]["v"], v)


def test_same_seed_same_results():
    def run(seed):
        net = build_network([2, 5, 1], ["tanh", "sigmoid"], loss="bce", rng=np.random.default_rng(seed))
        trainer = Trainer(
            generate("moons", np.random.default_rng(seed), n=60),
            batch_size=7,
            validation_split=0.2,
            seed=seed,
        )
        result = train(net, Optimizer("adam", 0.01), trainer, 5)
        return net, result.history

    (n1, h1), (n2, h2), (n3, _) = run(4), run(4), run(5)
    assert h1 == h2
    for a, b in zip(n1.layers, n2.layers):
        np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(n1.layers[0].W, n3.layers[0].W)
