"""Training's SGD step as written out for a network (engine/fastpath.py): its numbers are the
traced phases' to the last bit whatever shares a call (runs of layers of one width, the
output's dL_db with the loss's sum, the tanh layers' f′), with a partial last batch, across
the epochs train() runs on one θ, and when the parameters change between those epochs; its
check for the divergence rule refuses what the traced check refuses."""

import numpy as np
import pytest
from backprop_explorer.engine import (
    Optimizer,
    StepOverflow,
    Trainer,
    check_next_step,
    train,
)
from backprop_explorer.engine.fastpath import SGDSteps
from backprop_explorer.engine.optimizers import FlatSGD

from .networks import seeded
from .test_training import assert_same_run, run_traced

# (data, layer sizes, activations, loss, regularization), each sharing calls differently.
SHAPES = [
    # 2-W-W-1 tanh: one sum for both hidden layers' dL_db, one for the output's and the loss
    ("circles", [2, 4, 4, 1], ["tanh", "tanh", "tanh"], "half_sse", "none"),
    ("circles", [2, 4, 4, 1], ["tanh", "relu", "linear"], "mse", "l2"),
    # width-1 layers: the output's dL_db is summed with the hidden layer's, not with the loss
    ("sine", [1, 1, 1], ["tanh", "linear"], "half_sse", "none"),
    ("sine", [1, 3, 3, 3, 1], ["leaky_relu", "tanh", "sigmoid", "linear"], "mse", "l1"),
    # several outputs: a square loss's sum is its own call
    ("multiclass_blobs", [2, 3, 3], ["tanh", "tanh"], "half_sse", "l2"),
    ("multiclass_blobs", [2, 5, 3], ["sigmoid", "softmax"], "cross_entropy", "none"),
    ("circles", [2, 2, 1], ["relu", "sigmoid"], "bce", "l2"),
]


def network(*shape, n=37):
    """The dataset and network of one of the SHAPES (seed 2)."""
    return seeded(*shape, seed=2, n=n)


@pytest.mark.parametrize("batch_size", [5, 7, 30])  # 30 training samples: 7 leaves a batch of 2
@pytest.mark.parametrize("shape", SHAPES)
def test_written_out_steps_equal_the_traced_phases(shape, batch_size):
    runs = []
    for _ in range(2):
        data, net = network(*shape)
        trainer = Trainer(data, batch_size=batch_size, validation_split=0.2, seed=4)
        runs.append((net, trainer, Optimizer("sgd", 0.05)))
    (fast_net, fast_trainer, fast_opt), (slow_net, slow_trainer, slow_opt) = runs
    assert fast_trainer.n_train == 30
    result = train(fast_net, fast_opt, fast_trainer, 3)
    run_traced(slow_net, slow_trainer, slow_opt, 3 * slow_trainer.batches_per_epoch)
    assert result.epochs_run == 3 and result.diverged is None
    assert_same_run(fast_net, fast_trainer, slow_net, slow_trainer)
    assert fast_opt.t == slow_opt.t == fast_trainer.step


@pytest.mark.parametrize("change", ["in place", "replaced"])
def test_parameters_changed_between_epochs_are_the_ones_the_next_epoch_trains(change):
    # train() keeps one θ for all its epochs; a callback that changes a bias in place (the
    # replicas added to z must follow) or replaces a weight matrix (new steps are written)
    # between two epochs must train on what it set, as two separate runs do.
    def edit(net):
        if change == "in place":
            net.layers[1].b[0] += 0.25
        else:
            net.layers[0].W = net.layers[0].W * 0.5

    shape = SHAPES[0]
    data, one_run = network(*shape)
    _, two_runs = network(*shape)
    one_trainer, two_trainer = (Trainer(data, batch_size=5, seed=1) for _ in range(2))
    one_opt, two_opt = Optimizer("sgd", 0.1), Optimizer("sgd", 0.1)
    edited = []
    train(one_run, one_opt, one_trainer, 2, on_epoch=lambda entry: edited or edited.append(edit(one_run)))
    train(two_runs, two_opt, two_trainer, 1)
    edit(two_runs)
    train(two_runs, two_opt, two_trainer, 1)
    assert_same_run(one_run, one_trainer, two_runs, two_trainer)


@pytest.mark.parametrize("cursor", [10, 3])  # at a batch boundary, and off one (batch size changed)
def test_train_from_inside_an_epoch_equals_the_traced_phases(cursor):
    # train() hands out its batches as views made once for the run; an epoch it starts from a
    # cursor inside it takes the batches from there, and one off a batch boundary its own.
    runs = []
    for _ in range(2):
        data, net = network(*SHAPES[0])
        trainer = Trainer(data, batch_size=5, validation_split=0.2, seed=4, cursor=cursor)
        runs.append((net, trainer, Optimizer("sgd", 0.05)))
    (fast_net, fast_trainer, fast_opt), (slow_net, slow_trainer, slow_opt) = runs
    result = train(fast_net, fast_opt, fast_trainer, 3)
    run_traced(slow_net, slow_trainer, slow_opt, -(-(30 - cursor) // 5) + 2 * 6)
    assert result.epochs_run == 3 and fast_trainer.epoch == slow_trainer.epoch == 3
    assert_same_run(fast_net, fast_trainer, slow_net, slow_trainer)


def test_a_step_is_straight_line_numpy_calls():
    data, net = network("circles", [2, 8, 8, 1], ["tanh", "tanh", "tanh"], "half_sse", "none")
    steps = SGDSteps(net, FlatSGD(net, Optimizer("sgd", 0.1), 10), [0.0, 0.0, 0.0])
    source, check = steps.source(10).split("\n\ndef check(X, Y):\n")  # and the rule's check
    assert source.startswith("def step(X, Y):")
    assert " for " not in source + check and "while" not in source + check
    # dL_db: one sum for the two hidden layers, one for the output layer with the loss's sum
    assert source.count("add_reduce(") == 2
    assert source.count("tanh(") == 3 and "multiply(A, A, FP)" in source  # f′ of all three at once
    with np.errstate(over="ignore", invalid="ignore"):
        loss = steps.for_rows(10)(data.X[:10], data.Y[:10])
    assert loss > 0 and steps.norm_sums[0] > 0


@pytest.mark.parametrize("cap", [0, 1, 3, 7])
@pytest.mark.parametrize("before", [0, 2, 5, 9, 20])
@pytest.mark.parametrize("count", [1, 4, 9, 16, 31])
def test_updates_counted_together_leave_the_step_losses_as_counted_one_by_one(cap, before, count):
    # The update losses past the cap are dropped on passing twice the cap; counting a run of
    # updates at once must leave the list as that rule applied update by update would (a
    # refused step's sentence reads its end).
    data, _ = network(*SHAPES[0])
    trainer = Trainer(data, batch_size=1, seed=1, max_step_losses=cap)
    trainer.step_losses = [[i + 1, 1, float(i)] for i in range(before)]
    trainer.step = before
    expected = [entry[:] for entry in trainer.step_losses]
    for i in range(count):
        expected.append([before + i + 1, 1, 100.0 + i])
        if len(expected) > 2 * cap:
            del expected[: len(expected) - cap]
    trainer._count_updates([100.0 + i for i in range(count)])
    assert trainer.step_losses == expected
    assert (trainer.step, trainer.norm_count, trainer.cursor) == (before + count, count, count)


def verdict(check, *args):
    """None, or what the StepOverflow the check raised names ("loss" or "gradients")."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            check(*args)
    except StepOverflow as error:
        return error.what
    return None


def test_the_steps_check_gives_check_next_steps_verdict():
    # The rule's check at an epoch's close runs on the written-out step (no update): it must
    # refuse exactly what the traced phases refuse, and for the same reason, wherever the
    # numbers overflow: a z that tanh saturates, the loss, one layer's gradient or Σ ∂L/∂b.
    seen = set()
    for shape in [s for s in SHAPES if s[3] in ("half_sse", "mse")]:
        data, net = network(*shape)
        L = len(net.layers)
        steps = SGDSteps(net, FlatSGD(net, Optimizer("sgd", 0.1), 6), [0.0] * L)
        rng = np.random.default_rng(5)
        # One layer's weights scaled up; or a layer's parameters scaled down and the next
        # one's weights up, which keeps z (so the loss) moderate while δ below them overflows.
        scalings = [[1.0] * L]
        scalings += [[s if i == l else 1.0 for i in range(L)] for s in (1e40, 1e154, 1e200) for l in range(L)]
        scalings += [
            [{l: 1e-160, l + 1: s}.get(i, 1.0) for i in range(L)]
            for s in (1e150, 1e160)
            for l in range(L - 1)
        ]
        for scaling in scalings:
            for inputs in [1.0, 1e150, 1e300]:
                theta = steps.flat.theta
                theta[:] = rng.normal(size=theta.shape)
                for layer, scale in zip(net.layers, scaling):
                    layer.W[...] *= scale
                    layer.b[...] *= min(scale, 1.0)
                steps.flat.refresh()
                X, Y = data.X[:6] * inputs, data.Y[:6]
                expected = verdict(check_next_step, net, X, Y)
                assert verdict(steps.check, X, Y) == expected, (shape, scaling, inputs)
                seen.add(expected)
    assert seen == {None, "loss", "gradients"}
    # Σ ∂L/∂b of the second layer alone overflows: a1 = 0 keeps its ‖∂L/∂W‖ at 0, and
    # a2 ≈ 2.5e-309 under W3 = 1e308 keeps z3 and the loss moderate.
    data, net = network(*SHAPES[0])
    steps = SGDSteps(net, FlatSGD(net, Optimizer("sgd", 0.1), 6), [0.0] * 3)
    steps.flat.theta[:] = 0.0
    net.layers[1].b[...], net.layers[2].W[...] = 2.5e-309, 1e308
    steps.flat.refresh()
    X, Y = data.X[:6], np.full((6, 1), 20.0)
    assert verdict(check_next_step, net, X, Y) == verdict(steps.check, X, Y) == "gradients"


def test_the_steps_check_is_the_square_losses_only():
    # ∂L/∂a of the other losses can overflow while their loss is finite (a saturated sigmoid
    # under BCE): the traced check stays theirs.
    data, net = network(*SHAPES[-1])
    steps = SGDSteps(net, FlatSGD(net, Optimizer("sgd", 0.1), 5), [0.0, 0.0])
    with np.errstate(over="ignore", invalid="ignore"):
        assert steps.check(data.X[:5], data.Y[:5]) is False
    assert "def check" not in steps.source(5)
