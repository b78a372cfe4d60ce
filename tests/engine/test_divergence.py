"""Divergence is shown, not hidden: training keeps what it completed and names
the refused step."""

import copy

import numpy as np
import pytest
from backprop_explorer.engine import (
    DivergedError,
    Layer,
    Network,
    NonFiniteError,
    Optimizer,
    Trainer,
    backward,
    build_network,
    forward,
    from_arrays,
    generate,
    loss,
    train,
    update,
)
from backprop_explorer.engine.divergence import check_next_step
from backprop_explorer.engine.errors import StepOverflow
from backprop_explorer.engine.training import train_step


def regression(learning_rate):
    net = build_network([2, 8, 1], ["tanh", "linear"], loss="mse", rng=np.random.default_rng(1))
    trainer = Trainer(generate("linear", np.random.default_rng(2), n=50), batch_size=5, seed=3)
    return net, Optimizer("momentum", learning_rate), trainer


def replay(learning_rate, steps):
    """The same run, stepped by hand for ``steps`` updates through the public trainer API."""
    net, opt, trainer = regression(learning_rate)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            X, Y = trainer.batch_arrays()
            batch_loss, norms = train_step(net, opt, X, Y)
            trainer.advance(net, norms, len(X), batch_loss)
    return net, opt, trainer


def find_diverging_rate():
    # A rate that completes some epochs before a step is refused: the loss grows for a while.
    for learning_rate in (0.8, 1.2, 2.0):
        net, opt, trainer = regression(learning_rate)
        result = train(net, opt, trainer, 200)
        if result.diverged is not None and result.epochs_run >= 2:
            return learning_rate, net, opt, trainer, result
    raise AssertionError("no learning rate diverged after completing two epochs")


def test_divergence_keeps_completed_epochs_and_stops_at_the_refused_step():
    learning_rate, net, opt, trainer, result = find_diverging_rate()
    diverged = result.diverged
    assert isinstance(diverged, DivergedError) and isinstance(diverged, NonFiniteError)
    assert not result.stopped_early
    assert result.epochs_run == len(result.history) == len(trainer.history) == trainer.epoch
    assert [entry["epoch"] for entry in result.history] == list(range(1, result.epochs_run + 1))
    assert all(np.isfinite(entry["train_loss"]) for entry in result.history)
    # The refused step falls in the epoch after the last completed one and is not counted.
    assert diverged.epoch == result.epochs_run + 1
    assert diverged.step == trainer.step + 1 == opt.t + 1
    assert trainer.step_losses[-1][0] == trainer.step
    assert f"step {diverged.step}" in diverged.detail and f"epoch {diverged.epoch}" in diverged.detail
    assert "learning rate" in diverged.detail and str(diverged) == diverged.detail

    # Parameters, optimizer state and cursor are exactly those after the last accepted step.
    same_net, same_opt, same_trainer = replay(learning_rate, diverged.step - 1)
    for layer, expected in zip(net.layers, same_net.layers):
        assert np.isfinite(layer.W).all() and np.isfinite(layer.b).all()
        np.testing.assert_array_equal(layer.W, expected.W)
        np.testing.assert_array_equal(layer.b, expected.b)
    for key, slot in same_opt.state.items():
        np.testing.assert_array_equal(opt.state[key]["v"], slot["v"])
    assert (trainer.cursor, trainer.epoch, trainer.step) == (
        same_trainer.cursor,
        same_trainer.epoch,
        same_trainer.step,
    )
    # ... and the refused update really breaks the rule: its own parameters go non-finite, or
    # at its parameters the next batch's loss or gradients do.
    X, Y = same_trainer.batch_arrays()
    with np.errstate(over="ignore", invalid="ignore"):
        if diverged.parameter is not None:
            with pytest.raises(NonFiniteError):
                train_step(same_net, same_opt, X, Y)
        else:
            assert "would have made the next batch's" in diverged.detail
            train_step(same_net, same_opt, X, Y)
            with pytest.raises(StepOverflow):
                check_next_step(same_net, *same_trainer.following_batch(len(X)))


def test_training_on_after_divergence_refuses_the_same_step_again():
    _, net, opt, trainer, result = find_diverging_rate()
    again = train(net, opt, trainer, 5)
    assert again.epochs_run == 0 and again.history == []
    assert (again.diverged.epoch, again.diverged.step) == (result.diverged.epoch, result.diverged.step)


def test_a_run_that_does_not_diverge_says_so():
    net, opt, trainer = regression(0.01)
    assert train(net, opt, trainer, 3).diverged is None


def test_the_epochs_last_step_is_undone_when_the_epochs_evaluation_overflows():
    # One weight of 1e153 and η = 8: the step itself is finite (|W|, |b| < 1e154), but the
    # output it gives, −1.5e154, overflows the squared loss of the epoch's evaluation.
    W, b = np.array([[1e153]]), np.array([0.0])
    net = Network([Layer(W, b, "linear")], loss="half_sse")
    opt = Optimizer("sgd", 8.0)
    trainer = Trainer(from_arrays([[1.0]], [[0.0]]), batch_size=1)
    result = train(net, opt, trainer, 3)
    assert result.epochs_run == 0 and result.diverged is not None
    assert (result.diverged.epoch, result.diverged.step) == (1, 1)
    assert "loss overflow" in result.diverged.detail and result.diverged.parameter is None
    np.testing.assert_array_equal(net.layers[0].W, W)  # the update was undone
    np.testing.assert_array_equal(net.layers[0].b, b)
    assert (trainer.step, trainer.cursor, trainer.epoch, opt.t) == (0, 0, 0, 0)
    assert trainer.step_losses == [] and trainer.norm_count == 0


def test_the_refused_parameter_is_named():
    # Inputs of 1e5 make the first gradient ~1e10; η = 1e300 sends W1 to infinity at step 1.
    data = from_arrays(1e5 * np.ones((4, 2)), np.ones((4, 1)))
    net = build_network(
        [2, 3, 1], ["relu", "linear"], loss="mse", init="normal", scale=1.0, rng=np.random.default_rng(0)
    )
    result = train(net, Optimizer("sgd", 1e300), Trainer(data, batch_size=4), 2)
    assert result.diverged.step == 1 and result.diverged.parameter in {"W1", "b1", "W2", "b2"}
    # Named as the API names it and as the page's drawing names its layer.
    whose = {
        "W1": "the weights into Hidden 1",
        "b1": "the biases of Hidden 1",
        "W2": "the weights into Output",
    }
    words = whose.get(result.diverged.parameter, "the biases of Output")
    assert f"made {result.diverged.parameter} ({words}) non-finite" in result.diverged.detail


def learning_rate_case(optimizer, learning_rate, sizes, activations):
    """The learning-rate lesson's regression (2 inputs, MSE, batches of 10 of 100 points)."""
    net = build_network(sizes, activations, loss="mse", rng=np.random.default_rng(0))
    data = generate("linear", np.random.default_rng(1), n=100, noise=0.1)
    return net, Optimizer(optimizer, learning_rate), Trainer(data, batch_size=10, seed=0)


def traced_until_refused(case):
    """Updates through the traced phases, as /step applies them (each checked ahead on the
    batch that follows), until one is refused: (its number, the state it left)."""
    net, opt, trainer = learning_rate_case(*case)
    for _ in range(2000):
        kept = copy.deepcopy(net), copy.deepcopy(opt), copy.copy(trainer)
        kept[2].step_losses, kept[2].norm_sums = trainer.step_losses[:], trainer.norm_sums[:]
        X, Y = trainer.batch_arrays()
        try:
            fwd = forward(net, X)
            lss = loss(net, fwd, Y)
            back = backward(net, fwd, lss)
            update(net, opt, back, X, Y, trainer.following_batch(len(X)))
            trainer.advance(net, [g.grad_norm for g in back.layers], len(X), lss.loss)
        except NonFiniteError:  # a request that fails saves nothing: the state before it stays
            return kept[2].step + 1, kept
    raise AssertionError("no update was refused in 2,000 steps")


RULE_CASES = [
    ("sgd", 1.5, [2, 1], ["linear"]),  # the next batch's loss overflows (the run)
    ("sgd", 0.7, [2, 4, 1], ["tanh", "linear"]),  # the next batch's gradients overflow
    ("sgd", 2.0, [2, 4, 1], ["relu", "linear"]),  # the epoch's evaluation overflows
    ("momentum", 3.0, [2, 1], ["linear"]),
    ("momentum", 2.0, [2, 1], ["linear"]),  # the epoch's evaluation overflows
    ("momentum", 10.0, [2, 1], ["linear"]),  # a parameter would go non-finite
]


@pytest.mark.parametrize("case", RULE_CASES)
def test_train_epoch_and_traced_steps_refuse_the_same_update(case):
    refused_at, (net, opt, trainer) = traced_until_refused(case)
    fast = learning_rate_case(*case)
    result = train(*fast, 1000)
    assert result.diverged is not None and result.diverged.step == refused_at
    by_epoch = learning_rate_case(*case)
    with pytest.raises(DivergedError) as raised:
        for _ in range(1000):
            by_epoch[2].run_epoch(by_epoch[0], by_epoch[1])
    assert raised.value.step == refused_at
    for other_net, other_opt, other_trainer in (fast, by_epoch):
        assert other_trainer.step == trainer.step == refused_at - 1 == other_opt.t
        assert (other_trainer.epoch, other_trainer.cursor) == (trainer.epoch, trainer.cursor)
        for a, b in zip(other_net.layers, net.layers):
            np.testing.assert_array_equal(a.W, b.W)
            np.testing.assert_array_equal(a.b, b.b)
        for key, slot in opt.state.items():
            np.testing.assert_array_equal(other_opt.state[key]["v"], slot["v"])
        assert other_trainer.step_losses[-1][0] == refused_at - 1
    # The network left behind runs every phase of its next step; only that update is refused.
    X, Y = trainer.batch_arrays()
    fwd = forward(net, X)
    lss = loss(net, fwd, Y)
    back = backward(net, fwd, lss)
    with pytest.raises(NonFiniteError):
        update(net, opt, back, X, Y, trainer.following_batch(len(X)))
        trainer.advance(net, [g.grad_norm for g in back.layers], len(X), lss.loss)


def test_an_update_taken_back_leaves_the_trainer_as_before_it():
    case = RULE_CASES[0]
    net, opt, trainer = learning_rate_case(*case)
    result = train(net, opt, trainer, 1000)
    replayed_net, replayed_opt, replayed = learning_rate_case(*case)
    train(replayed_net, replayed_opt, replayed, result.epochs_run)
    replayed.run_updates(replayed_net, replayed_opt, trainer.cursor // replayed.batch_size)
    assert replayed.norm_sums == trainer.norm_sums and replayed.norm_count == trainer.norm_count
    assert replayed.step_losses == trainer.step_losses and replayed.history == trainer.history


def test_parameters_whose_squares_overflow_only_together_are_refused_naming_none():
    # 1-100-1: W1, b1 and W2 hold 100 values of ±1e153 each, so each one's Σ θ² is 1e308
    # (finite) and all of them together overflow. The tanh layer saturates (f′ = 0) and W2's
    # halves cancel, so the loss and gradients stay finite: the update itself is refused,
    # naming no parameter (none is non-finite on its own), on the written-out SGD path as on
    # the stepwise one.
    data = from_arrays(np.ones((4, 1)), np.zeros((4, 1)))
    results = []
    for optimizer in ("sgd", "momentum"):
        net = build_network([1, 100, 1], ["tanh", "linear"], rng=np.random.default_rng(0))
        big = np.full(100, 1e153)
        net.layers[0].W, net.layers[0].b = big.reshape(100, 1).copy(), big.copy()
        net.layers[1].W, net.layers[1].b = np.concatenate([big[:50], -big[50:]]).reshape(1, 100), np.zeros(1)
        result = train(net, Optimizer(optimizer, 0.1, beta=0.0), Trainer(data, batch_size=4), 2)
        assert result.epochs_run == 0 and result.diverged is not None
        assert result.diverged.step == 1 and result.diverged.parameter is None
        np.testing.assert_array_equal(net.layers[0].b, big)  # nothing was applied
        results.append(result.diverged.detail)
    assert results[0] == results[1]
