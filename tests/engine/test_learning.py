"""The engine learns what textbooks say a network can learn."""

import numpy as np
from backprop_explorer.engine import Optimizer, Trainer, build_network, evaluate, generate, train


def test_xor_with_a_hidden_layer_reaches_full_accuracy():
    data = generate("xor", np.random.default_rng(0))
    net = build_network([2, 4, 1], ["tanh", "sigmoid"], loss="bce", rng=np.random.default_rng(0))
    result = train(net, Optimizer("sgd", 0.5), Trainer(data, batch_size=4), 1500)
    assert result.history[-1]["train_accuracy"] == 1.0
    assert result.history[-1]["train_loss"] < 0.05


def test_xor_is_not_learned_without_a_hidden_layer():
    # The point of XOR: a single sigmoid neuron cannot separate it.
    data = generate("xor", np.random.default_rng(0))
    net = build_network([2, 1], ["sigmoid"], loss="bce", rng=np.random.default_rng(0))
    result = train(net, Optimizer("sgd", 0.5), Trainer(data, batch_size=4), 1500)
    assert result.history[-1]["train_accuracy"] <= 0.75


def test_two_separable_clusters_with_a_2_1_1_sigmoid_network_and_bce():
    data = generate("blobs", np.random.default_rng(1), n=200, noise=0.0)
    net = build_network([2, 1, 1], ["sigmoid", "sigmoid"], loss="bce", rng=np.random.default_rng(1))
    trainer = Trainer(data, batch_size=10, validation_split=0.2, seed=1)
    result = train(net, Optimizer("sgd", 0.5), trainer, 60)
    last = result.history[-1]
    assert last["train_accuracy"] >= 0.95 and last["val_accuracy"] >= 0.95
    assert last["train_loss"] < result.history[0]["train_loss"]


def test_softmax_cross_entropy_learns_three_blobs():
    data = generate("multiclass_blobs", np.random.default_rng(2), n=150, noise=0.0)
    net = build_network([2, 8, 3], ["relu", "softmax"], loss="cross_entropy", rng=np.random.default_rng(2))
    result = train(net, Optimizer("adam", 0.02), Trainer(data, batch_size=16), 60)
    assert result.history[-1]["train_accuracy"] >= 0.95


def test_regression_fits_house_prices():
    data = generate("house_prices", np.random.default_rng(3), n=200, noise=0.0)
    net = build_network([3, 1], ["linear"], loss="mse", rng=np.random.default_rng(3))
    trainer = Trainer(data, batch_size=20, validation_split=0.25, seed=3)
    result = train(net, Optimizer("sgd", 0.05), trainer, 100)
    last = result.history[-1]
    assert last["train_accuracy"] is None and last["val_accuracy"] is None  # regression
    assert last["val_loss"] < 0.1  # standardized target: variance 1 before training
    assert evaluate(net, data.X, data.Y, data.task)[0] < 0.1
