"""Divergence is shown, not hidden: training keeps what it completed and names
the refused step."""

import numpy as np
import pytest
from backprop_explorer.engine import (
    DivergedError,
    Layer,
    Network,
    NonFiniteError,
    Optimizer,
    Trainer,
    build_network,
    from_arrays,
    generate,
    train,
)
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
    # ... and the refused step really is one that cannot be applied.
    X, Y = same_trainer.batch_arrays()
    with np.errstate(over="ignore", invalid="ignore"), pytest.raises(NonFiniteError):
        train_step(same_net, same_opt, X, Y)


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
    assert f"made {result.diverged.parameter} non-finite" in result.diverged.detail
