"""Textbook worked examples, their numbers written out."""

import numpy as np
from backprop_explorer.engine import Layer, Network, Optimizer, backward, forward, loss, update


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
    # Mazur reports 0.291027924 from weights rounded to 9 digits; unrounded it is 0.2910277735.
    np.testing.assert_allclose(up.loss_after, 0.2910277735, atol=1e-10)


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
