"""Textbook worked examples, their numbers written out."""

import numpy as np
import pytest
from backprop_explorer.engine import (
    Layer,
    Network,
    Optimizer,
    Trainer,
    backward,
    forward,
    from_arrays,
    loss,
    total_loss,
    train,
    update,
)


def mazur_network() -> Network:
    # Matt Mazur, "A Step by Step Backpropagation Example": 2-2-2 sigmoid, ½ SSE, biases fixed.
    return Network(
        [
            Layer(np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([0.35, 0.35]), "sigmoid", train_b=False),
            Layer(np.array([[0.40, 0.45], [0.50, 0.55]]), np.array([0.60, 0.60]), "sigmoid", train_b=False),
        ],
        loss="half_sse",
    )


def test_mazur_step_by_step():
    net = mazur_network()
    X, Y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])

    fwd = forward(net, X)
    hidden, output = fwd.layers
    np.testing.assert_allclose(hidden.z, [[0.3775, 0.3925]])
    np.testing.assert_allclose(hidden.a, [[0.593269992, 0.596884378]], atol=1e-9)
    np.testing.assert_allclose(output.a, [[0.75136507, 0.772928465]], atol=1e-8)

    lss = loss(net, fwd, Y)
    np.testing.assert_allclose(lss.per_sample, [0.274811083 + 0.023560026], atol=1e-8)
    np.testing.assert_allclose(lss.loss, 0.298371109, atol=1e-9)
    np.testing.assert_allclose(lss.dL_da, [[0.74136507, -0.217071535]], atol=1e-8)  # ŷ − y

    back = backward(net, fwd, lss)
    np.testing.assert_allclose(back.layers[1].da_dz[0, 0], 0.186815602, atol=1e-9)
    np.testing.assert_allclose(back.layers[1].dL_dW[0, 0], 0.082167041, atol=1e-9)  # ∂E/∂w5
    np.testing.assert_allclose(back.layers[0].dL_da[0, 0], 0.036350306, atol=1e-9)  # ∂E/∂out_h1
    np.testing.assert_allclose(back.layers[0].dL_dW[0, 0], 0.000438568, atol=1e-9)  # ∂E/∂w1

    up = update(net, Optimizer("sgd", 0.5), back, X, Y)
    np.testing.assert_allclose(
        up.layers[1].W_new, [[0.35891648, 0.408666186], [0.511301270, 0.561370121]], atol=1e-8
    )
    np.testing.assert_allclose(
        up.layers[0].W_new, [[0.149780716, 0.19956143], [0.24975114, 0.29950229]], atol=1e-8
    )
    np.testing.assert_array_equal(up.layers[0].b_new, [0.35, 0.35])  # held fixed
    np.testing.assert_array_equal(up.layers[0].step_b, [0.0, 0.0])
    np.testing.assert_allclose(up.layers[1].step_W, 0.5 * back.layers[1].dL_dW)
    np.testing.assert_array_equal(up.layers[1].W_old, [[0.40, 0.45], [0.50, 0.55]])
    assert up.loss_after < lss.loss
    np.testing.assert_allclose(up.loss_after, 0.2910277735, atol=1e-10)


@pytest.mark.slow  # a second or more alone
def test_the_two_error_figures_of_the_article_that_differ_and_why():
    """After its update the article prints E_total = 0.291027924, and 0.0000351085 after
    10,000 updates. With its own rule (every gradient from the old weights) and its own printed
    w⁺ the error after the update is 0.291027774; 0.291027924 is what the hidden layer's
    gradients taken through the updated w₅⁺…w₈⁺ give. 0.0000351085 is the error after 9,999
    updates; after 10,000 it is 0.0000351019."""
    X, Y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])

    def error(W1, W2):
        return total_loss(
            Network(
                [Layer(W1, np.full(2, 0.35), "sigmoid"), Layer(W2, np.full(2, 0.60), "sigmoid")], "half_sse"
            ),
            X,
            Y,
        )

    printed = (
        np.array([[0.149780716, 0.19956143], [0.24975114, 0.29950229]]),
        np.array([[0.35891648, 0.408666186], [0.511301270, 0.561370121]]),
    )
    assert f"{error(*printed):.9f}" == "0.291027774"
    net = mazur_network()
    fwd = forward(net, X)
    back = backward(net, fwd, loss(net, fwd, Y))
    W2_new = net.layers[1].W - 0.5 * back.layers[1].dL_dW
    delta_hidden = (back.layers[1].dL_dz @ W2_new) * fwd.layers[0].a * (1 - fwd.layers[0].a)  # through w⁺
    W1_new = net.layers[0].W - 0.5 * delta_hidden.T @ X
    assert f"{error(W1_new, W2_new):.9f}" == "0.291027924"

    losses = train(mazur_network(), Optimizer("sgd", 0.5), Trainer(from_arrays(X, Y)), 10_000).history
    assert f"{losses[-1]['train_loss']:.10f}" == "0.0000351019"  # after 10,000 updates
    assert f"{losses[-2]['train_loss']:.10f}" == "0.0000351085"  # after 9,999: the article's figure


def test_single_neuron_by_hand():
    # One sigmoid neuron, w = 0.5, b = 0, x = 2, y = 1, ½(y − ŷ)²:
    # z = 1, ŷ = σ(1) = 0.7310585786, ∂L/∂ŷ = ŷ − y = −0.2689414214,
    # f′(z) = ŷ(1 − ŷ) = 0.1966119332, ∂L/∂w = −0.2689414214 · 0.1966119332 · 2 = −0.1057541856.
    net = Network([Layer(np.array([[0.5]]), np.array([0.0]), "sigmoid")], loss="half_sse")
    fwd = forward(net, np.array([[2.0]]))
    back = backward(net, fwd, loss(net, fwd, np.array([[1.0]])))
    np.testing.assert_allclose(fwd.output, [[0.7310585786]], atol=1e-10)
    np.testing.assert_allclose(back.layers[0].dL_dW, [[-0.1057541856]], atol=1e-10)
    np.testing.assert_allclose(back.layers[0].dL_db, [-0.0528770928], atol=1e-10)
