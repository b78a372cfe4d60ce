"""The trainer: batches, epochs, the hold-out, early stopping, and the fast path's numbers."""

import itertools

import numpy as np
import pytest
from backprop_explorer.engine import (
    EarlyStopping,
    EngineError,
    Optimizer,
    Regularization,
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
from backprop_explorer.engine.evaluation import _output as lean_output
from backprop_explorer.engine.evaluation import accuracy as evaluation_accuracy
from backprop_explorer.engine.evaluation import evaluate
from backprop_explorer.engine.order import epoch_order, split_indices
from backprop_explorer.engine.training import train_step

from .networks import seeded


def make(n=23, batch_size=5, validation_split=0.3, seed=3):
    data = generate("moons", np.random.default_rng(seed), n=n)
    net = build_network([2, 3, 1], ["tanh", "sigmoid"], loss="bce", rng=np.random.default_rng(seed))
    return net, Trainer(data, batch_size=batch_size, validation_split=validation_split, seed=seed)


def run_traced(net, trainer, opt, updates=None):
    """``updates`` steps (None: to the end of the epoch) through the four traced phases, counted
    by the trainer as /step does; returns the history entry of the epoch the last one closed."""
    entry = None
    for _ in itertools.count() if updates is None else range(updates):
        X, Y = trainer.batch_arrays()
        fwd = forward(net, X)
        lss = loss(net, fwd, Y)
        back = backward(net, fwd, lss)
        update(net, opt, back, X, Y)
        entry = trainer.advance(net, [g.grad_norm for g in back.layers], len(X), lss.loss)
        if updates is None and entry is not None:
            break
    return entry


def assert_same_run(fast_net, fast_trainer, slow_net, slow_trainer):
    """Parameters, history and step losses equal to the last bit."""
    for a, b in zip(fast_net.layers, slow_net.layers, strict=True):
        np.testing.assert_array_equal(a.W, b.W)
        np.testing.assert_array_equal(a.b, b.b)
    assert fast_trainer.history == slow_trainer.history
    assert fast_trainer.step_losses == slow_trainer.step_losses


def test_split_is_disjoint_and_complete():
    _, trainer = make()
    assert len(trainer.val_idx) == 7 and len(trainer.train_idx) == 16
    assert set(trainer.train_idx) | set(trainer.val_idx) == set(range(23))
    assert not set(trainer.train_idx) & set(trainer.val_idx)


def test_each_epoch_visits_every_training_sample_once_in_a_new_order():
    net, trainer = make()
    opt = Optimizer("sgd", 0.1)
    orders = []
    for _ in range(2):
        seen, sizes = [], []
        while True:
            idx = trainer.next_batch()
            seen.extend(idx.tolist())
            sizes.append(len(idx))
            X, Y = trainer.batch_arrays(idx)
            batch_loss, norms = train_step(net, opt, X, Y)
            if trainer.advance(net, norms, len(idx), batch_loss) is not None:
                break
        assert sorted(seen) == sorted(trainer.train_idx.tolist())
        assert sizes == [5, 5, 5, 1]  # 16 samples in batches of 5: the last batch is short
        orders.append(seen)
    assert orders[0] != orders[1]
    assert trainer.epoch == 2 and trainer.step == 8 and trainer.cursor == 0 and trainer.epoch_end_step == 8
    assert [h["epoch"] for h in trainer.history] == [1, 2]


def test_fast_path_equals_traced_phases():
    fast_net, fast_trainer = make()
    slow_net, slow_trainer = make()
    fast_opt, slow_opt = Optimizer("adam", 0.05), Optimizer("adam", 0.05)
    fast_trainer.run_epoch(fast_net, fast_opt)
    run_traced(slow_net, slow_trainer, slow_opt)
    assert_same_run(fast_net, fast_trainer, slow_net, slow_trainer)
    assert [s[0] for s in fast_trainer.step_losses] == [1, 2, 3, 4]


def test_history_entry_fields_and_grad_norms():
    net, trainer = make()
    result = train(net, Optimizer("sgd", 0.5), trainer, 3)
    entry = result.history[0]
    assert set(entry) == {"epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "grad_norms"}
    assert len(entry["grad_norms"]) == 2 and all(g > 0 for g in entry["grad_norms"])
    assert 0 <= entry["val_accuracy"] <= 1


def test_early_stopping_waits_patience_epochs_without_improvement():
    # A tiny learning rate: the loss improves by less than min_delta every epoch.
    net, trainer = make()
    result = train(net, Optimizer("sgd", 1e-9), trainer, 50, early_stopping=EarlyStopping(3, 0.01))
    assert result.stopped_early and result.epochs_run == 4  # epoch 1 sets the best, 3 more wait
    net, trainer = make()
    assert not train(net, Optimizer("sgd", 1e-9), trainer, 5).stopped_early


def test_early_stopping_carried_over_short_runs_stops_where_one_long_run_does():
    net, trainer = make(n=60)
    whole = train(net, Optimizer("sgd", 0.5), trainer, 300, early_stopping=EarlyStopping(4, 0.002))
    assert whole.stopped_early and 5 < whole.epochs_run < 300
    net, trainer = make(n=60)
    opt, stopping, history = Optimizer("sgd", 0.5), EarlyStopping(4, 0.002), []
    while True:
        part = train(net, opt, trainer, 2, early_stopping=stopping)
        history += part.history
        if part.stopped_early:
            break
    assert history == whole.history


def test_early_stopping_at_a_training_accuracy_stops_at_the_first_epoch_that_reaches_it():
    net, trainer = make(n=60)
    free = train(net, Optimizer("sgd", 0.5), trainer, 200)
    first = next(e["epoch"] for e in free.history if e["train_accuracy"] >= 0.9)
    net, trainer = make(n=60)
    rule = EarlyStopping(None, train_accuracy=0.9)
    stopped = train(net, Optimizer("sgd", 0.5), trainer, 200, early_stopping=rule)
    assert stopped.stopped_early and rule.reason == "train_accuracy"
    assert stopped.epochs_run == first and stopped.history == free.history[:first]
    # With a patience too, whichever rule comes first stops the run, and says which it was.
    net, trainer = make(n=60)
    both = EarlyStopping(2, 0.002, train_accuracy=1.0)
    result = train(net, Optimizer("sgd", 1e-9), trainer, 50, early_stopping=both)
    assert result.stopped_early and both.reason == "patience" and result.epochs_run == 3


@pytest.mark.parametrize(
    "patience, accuracy", [(None, None), (0, None), (None, 0.0), (None, 1.5), (3, float("nan"))]
)
def test_early_stopping_needs_a_rule_that_can_stop(patience, accuracy):
    with pytest.raises(EngineError):
        EarlyStopping(patience, train_accuracy=accuracy)


def test_should_stop_ends_training_between_epochs():
    net, trainer = make()
    calls = []
    result = train(
        net, Optimizer("sgd", 0.1), trainer, 100, on_epoch=calls.append, should_stop=lambda: len(calls) >= 2
    )
    assert result.epochs_run == 2 and not result.stopped_early


def test_full_batch_and_no_validation():
    data = from_arrays([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]])
    net = build_network([2, 2, 1], ["sigmoid", "sigmoid"], rng=np.random.default_rng(0))
    trainer = Trainer(data, batch_size=100)
    entry = trainer.run_epoch(net, Optimizer("sgd", 0.1))
    assert trainer.step == 1 and entry["val_loss"] is None and entry["val_accuracy"] is None


def test_invalid_training_settings():
    data = generate("xor", np.random.default_rng(0))
    with pytest.raises(EngineError):
        Trainer(data, batch_size=0)
    with pytest.raises(EngineError):
        Trainer(data, validation_split=1.0)


def test_early_stopping_counts_an_equal_loss_as_no_improvement():
    # η = 1e-300: every step underflows to zero, so the loss repeats exactly. An epoch that
    # only equals the best is not an improvement (min_delta = 0): the run stops after
    # patience such epochs instead of running on.
    net, trainer = make()
    result = train(net, Optimizer("sgd", 1e-300), trainer, 10, early_stopping=EarlyStopping(2, 0.0))
    losses = [entry["val_loss"] for entry in result.history]
    assert losses == [losses[0]] * len(losses)
    assert result.stopped_early and result.epochs_run == 3


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_fast_path_equals_traced_phases_with_a_frozen_layer_and_l2(optimizer):
    # SGD's fast path updates one flat vector; a frozen layer and the penalty must come out
    # exactly as the traced phases give them.
    nets = []
    for _ in range(2):
        net, trainer = make()
        net.regularization = Regularization("l2", 0.05)
        net.layers[0].train_W = False
        nets.append((net, trainer, Optimizer(optimizer, 0.1)))
    (fast_net, fast_trainer, fast_opt), (slow_net, slow_trainer, slow_opt) = nets
    frozen = fast_net.layers[0].W.copy()
    for _ in range(2):
        fast_trainer.run_epoch(fast_net, fast_opt)
    run_traced(slow_net, slow_trainer, slow_opt, 2 * slow_trainer.batches_per_epoch)
    np.testing.assert_array_equal(fast_net.layers[0].W, frozen)
    assert_same_run(fast_net, fast_trainer, slow_net, slow_trainer)
    assert fast_opt.t == slow_opt.t == fast_trainer.step


# (data, layer sizes, activations, loss, regularization): every loss and output pairing.
CONFIGURATIONS = [
    ("circles", [2, 4, 3, 1], ["tanh", "tanh", "tanh"], "half_sse", "none"),
    ("circles", [2, 4, 3, 1], ["relu", "leaky_relu", "linear"], "mse", "l2"),
    ("circles", [2, 4, 1], ["sigmoid", "sigmoid"], "bce", "l1"),
    ("circles", [2, 4, 1], ["linear", "sigmoid"], "half_sse", "none"),
    ("multiclass_blobs", [2, 4, 3], ["tanh", "softmax"], "cross_entropy", "l2"),
    ("multiclass_blobs", [2, 4, 3], ["relu", "softmax"], "half_sse", "none"),
    ("multiclass_blobs", [2, 4, 3], ["tanh", "sigmoid"], "cross_entropy", "none"),
    ("sine", [1, 5, 1], ["tanh", "linear"], "half_sse", "l1"),
]


def configured(*configuration):
    """A seeded dataset of 37 samples and a network of one of the CONFIGURATIONS (seed 1)."""
    return seeded(*configuration, seed=1)


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_sgd_fast_path_equals_traced_phases_for_every_loss_and_output(configuration):
    # SGD epochs run on their own kernel (engine/fastpath.py): its loss, norms, parameters and
    # history must be the traced phases' to the last bit, whatever the loss and activations.
    runs = []
    for _ in range(2):
        data, net = configured(*configuration)
        runs.append((net, Trainer(data, batch_size=5, validation_split=0.2, seed=1), Optimizer("sgd", 0.05)))
    (fast_net, fast_trainer, fast_opt), (slow_net, slow_trainer, slow_opt) = runs
    for _ in range(2):
        fast_trainer.run_epoch(fast_net, fast_opt)
    run_traced(slow_net, slow_trainer, slow_opt, 2 * slow_trainer.batches_per_epoch)
    assert_same_run(fast_net, fast_trainer, slow_net, slow_trainer)
    assert fast_opt.t == slow_opt.t == fast_trainer.step == 2 * fast_trainer.batches_per_epoch


def test_an_sgd_epoch_started_mid_way_finishes_from_the_cursor():
    # /step moves the cursor; the next epoch on the fast path picks up at the next batch.
    net, trainer = make()
    slow_net, slow_trainer = make()
    run_traced(net, trainer, Optimizer("sgd", 0.3), 1)
    run_traced(slow_net, slow_trainer, Optimizer("sgd", 0.3), 1)
    entry = trainer.run_epoch(net, Optimizer("sgd", 0.3))
    slow_entry = run_traced(slow_net, slow_trainer, Optimizer("sgd", 0.3))
    assert entry == slow_entry
    assert trainer.step_losses == slow_trainer.step_losses
    assert trainer.step == slow_trainer.step == trainer.batches_per_epoch


def test_trainers_of_one_dataset_share_their_split_and_shuffles_read_only():
    # /step opens a trainer per request: the split and each epoch's shuffle are computed once.
    _, first = make()
    _, second = make()
    assert first.train_idx is second.train_idx and first.order() is second.order()
    with pytest.raises(ValueError):
        first.order()[0] = 0
    second.epoch = 1
    assert not np.array_equal(first.order(), second.order())
    assert sorted(second.order()) == sorted(first.order()) == list(first.train_idx)


@pytest.mark.parametrize("n,split", [(1, 0.0), (2, 0.5), (3, 0.6), (4, 0.0), (23, 0.3)])
def test_every_epochs_order_is_a_read_only_shuffle_of_the_training_samples(n, split):
    train_idx, _ = split_indices(n, split, 7)
    orders = [epoch_order(n, split, 7, epoch) for epoch in range(6)]
    for order in orders:
        assert sorted(order.tolist()) == train_idx.tolist()
        with pytest.raises(ValueError):
            order[0] = 0
    # A lone training sample has one order (drawn without a generator); more samples get new ones.
    assert (len({tuple(o.tolist()) for o in orders}) == 1) == (len(train_idx) == 1)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("cut", [1, 2])
def test_an_epoch_run_in_parts_is_the_epoch_run_whole(optimizer, cut):
    # The timeline replays part of an epoch (run_updates); the rest must then be the same run.
    whole_net, whole = make()
    parts_net, parts = make()
    whole_opt, parts_opt = Optimizer(optimizer, 0.1), Optimizer(optimizer, 0.1)
    whole.run_epoch(whole_net, whole_opt)  # start both past the first epoch, from its end
    parts.run_epoch(parts_net, parts_opt)
    entry = whole.run_epoch(whole_net, whole_opt)
    parts.run_updates(parts_net, parts_opt, cut)
    assert (parts.step, parts.cursor, parts.epoch) == (whole.step - whole.batches_per_epoch + cut, 5 * cut, 1)
    parts.run_updates(parts_net, parts_opt, 1)
    assert parts.run_epoch(parts_net, parts_opt) == entry
    for a, b in zip(whole_net.layers, parts_net.layers, strict=True):
        assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
    assert parts.step_losses == whole.step_losses
    with pytest.raises(EngineError, match="between 1 and"):
        parts.run_updates(parts_net, parts_opt, parts.batches_per_epoch)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("cap", [1, 3, 7])
def test_step_losses_keep_the_last_cap_updates_after_every_run(optimizer, cap):
    # SGD drops the losses past the cap in bulk (at twice the cap and when a run ends), the
    # other optimizers one by one: after any run both hold exactly the last `cap` updates.
    net, trainer = make(n=60, batch_size=4, validation_split=0.0)
    full_net, full = make(n=60, batch_size=4, validation_split=0.0)
    trainer.max_step_losses, full.max_step_losses = cap, 10_000
    opt, full_opt = Optimizer(optimizer, 0.1), Optimizer(optimizer, 0.1)
    for epochs in (1, 3, 2):  # 15 updates an epoch: runs far past twice the cap
        train(net, opt, trainer, epochs)
        train(full_net, full_opt, full, epochs)
        assert trainer.step_losses == full.step_losses[-cap:]
        assert trainer.step_losses[-1][0] == trainer.step == full.step
    trainer.run_updates(net, opt, 2)
    full.run_updates(full_net, full_opt, 2)
    assert trainer.step_losses == full.step_losses[-cap:]


@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_the_lean_evaluation_equals_the_traced_loss(configuration):
    # An epoch's closing scores come from evaluation.evaluate, which skips the trace records:
    # its data loss must be the loss phase's to the last bit, its accuracy the outputs' own.
    data, net = configured(*configuration)
    fwd = forward(net, data.X)
    traced = loss(net, fwd, data.Y)
    data_loss, accuracy = evaluate(net, data.X, data.Y, data.task)
    assert data_loss == traced.data_loss
    z, a = lean_output(net, data.X)
    np.testing.assert_array_equal(z, fwd.layers[-1].z)
    np.testing.assert_array_equal(a, fwd.output)
    assert accuracy == evaluation_accuracy(fwd.output, data.Y, data.task)
    assert evaluate(net, data.X[:0], data.Y[:0], data.task) == (None, None)
