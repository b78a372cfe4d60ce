"""Backprop against central finite differences on random networks, shapes and batches."""

import os

import numpy as np
from backprop_explorer.engine import Regularization, backward, build_network, forward, gradient_check, loss
from hypothesis import given, settings
from hypothesis import strategies as st

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
# Output activations each loss is defined for. bce is for sigmoid outputs; with a
# softmax output its log(1 − ŷ) cancels so badly that finite differences, not backprop,
# lose the digits. cross_entropy needs outputs in (0, 1].
OUTPUTS = {
    "half_sse": ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"],
    "mse": ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"],
    "bce": ["sigmoid"],
    "cross_entropy": ["softmax", "sigmoid"],
}


def targets_for(loss_name, rng, shape):
    if loss_name == "cross_entropy":
        raw = rng.uniform(0.05, 1, shape)
        return raw / raw.sum(axis=1, keepdims=True)  # probability targets, not only one-hot
    if loss_name == "bce":
        return rng.uniform(0, 1, shape)
    return rng.normal(0, 1, shape)


@st.composite
def cases(draw):
    loss_name = draw(st.sampled_from(sorted(OUTPUTS)))
    out_act = draw(st.sampled_from(OUTPUTS[loss_name]))
    depth = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 5)) for _ in range(depth)]
    sizes.append(draw(st.integers(2 if out_act == "softmax" else 1, 4)))
    acts = [draw(st.sampled_from(HIDDEN)) for _ in range(depth - 1)] + [out_act]
    reg = Regularization(draw(st.sampled_from(["none", "l1", "l2"])), draw(st.sampled_from([0.0, 0.01, 0.3])))
    batch = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    return sizes, acts, loss_name, reg, batch, seed


@settings(max_examples=int(os.environ.get("GRADCHECK_EXAMPLES", 250)), deadline=None)
@given(cases())
def test_backprop_equals_finite_differences(case):
    sizes, acts, loss_name, reg, batch, seed = case
    rng = np.random.default_rng(seed)
    net = build_network(sizes, acts, loss=loss_name, regularization=reg, init="normal", scale=0.7, rng=rng)
    X = rng.normal(0, 1, (batch, sizes[0]))
    Y = targets_for(loss_name, rng, (batch, sizes[-1]))
    check = gradient_check(net, X, Y)
    for layer in check.layers:
        np.testing.assert_allclose(layer.backprop_W, layer.numeric_W, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(layer.backprop_b, layer.numeric_b, rtol=1e-5, atol=1e-8)


def test_every_activation_and_loss_is_checked():
    # The strategy above must reach every registered name; a new one needs a test here.
    from backprop_explorer.engine import ACTIVATIONS, LOSSES

    assert set(HIDDEN) | {"softmax"} == set(ACTIVATIONS)
    assert set(OUTPUTS) == set(LOSSES)


@settings(max_examples=int(os.environ.get("TRACE_EXAMPLES", 60)), deadline=None)
@given(cases())
def test_trace_identities(case):
    sizes, acts, loss_name, _, batch, seed = case
    rng = np.random.default_rng(seed)
    net = build_network(sizes, acts, loss=loss_name, init="normal", scale=0.7, rng=rng)
    X = rng.normal(0, 1, (batch, sizes[0]))
    fwd = forward(net, X)
    lss = loss(net, fwd, targets_for(loss_name, rng, (batch, sizes[-1])))
    back = backward(net, fwd, lss)
    assert [g.index for g in back.layers] == list(range(1, len(sizes)))
    np.testing.assert_array_equal(back.layers[-1].dL_da, lss.dL_da)
    for i, g in enumerate(back.layers):
        a_prev = fwd.a_in(g.index)
        if g.da_dz is not None:
            np.testing.assert_allclose(g.dL_dz, g.dL_da * g.da_dz, rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(g.dL_dW, g.dL_dz.T @ a_prev, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(g.dL_db, g.dL_dz.sum(axis=0), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(g.grad_norm, np.linalg.norm(g.dL_dW), rtol=1e-14)
        if i + 1 < len(back.layers):
            nxt = back.layers[i + 1]
            np.testing.assert_allclose(g.dL_da, nxt.dL_dz @ net.layers[i + 1].W, rtol=1e-12, atol=1e-15)
    assert lss.loss == lss.data_loss + lss.penalty
    np.testing.assert_allclose(lss.data_loss, lss.per_sample.mean())


def test_batch_gradient_is_mean_of_sample_gradients():
    # The batch loss is the mean of L_s, so dL_dW is the mean of per-sample dL_dW.
    rng = np.random.default_rng(3)
    net = build_network([3, 4, 2], ["tanh", "sigmoid"], loss="mse", init="normal", scale=0.5, rng=rng)
    X, Y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 2))
    batch = backward(net, f := forward(net, X), loss(net, f, Y))
    singles = [backward(net, f := forward(net, X[[s]]), loss(net, f, Y[[s]])) for s in range(5)]
    for li in range(2):
        mean_W = np.mean([s.layers[li].dL_dW for s in singles], axis=0)
        np.testing.assert_allclose(batch.layers[li].dL_dW, mean_W, rtol=1e-12)
