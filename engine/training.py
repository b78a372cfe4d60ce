"""Training: mini-batches over a seeded shuffle, a validation hold-out, epochs, early stopping.

The trainer is plain state (cursor, epoch, step, history) so the app can store it and pick
up where it left off. Which samples are held out and the order of each epoch come from
:mod:`engine.order`; the closing evaluation from :mod:`engine.evaluation`; the sentence a
refused step reports from :mod:`engine.divergence`; plain SGD's epochs run on
:mod:`engine.sgd_epochs`, the same numbers in fewer calls.

History entries hold, per epoch: ``train_loss`` and ``val_loss`` (the batch-mean *data*
loss over the whole training / validation split with the parameters at the end of the
epoch, penalty excluded so the two are comparable), accuracies for classification (``None``
for regression or when there is no validation split), and ``grad_norms``: the mean over the
epoch's updates of each layer's ‖∂L/∂W‖₂.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from functools import partial

import numpy as np

from .data import Dataset
from .divergence import (
    DivergedError,
    check_next_step,
    evaluation_overflowed,
    next_step_overflowed,
    refused,
)
from .errors import EngineError, NonFiniteError, StepOverflow
from .evaluation import evaluate
from .fastpath import GRADIENTS_OVERFLOW, LOSS_OVERFLOW
from .network import Network, _backward, _forward, _loss
from .optimizers import Optimizer, apply_gradients
from .order import epoch_order, split_indices
from .sgd_epochs import SGDEpochs

__all__ = ["DivergedError", "EarlyStopping", "TrainResult", "Trainer", "evaluate", "train", "train_step"]

MAX_STEP_LOSSES = 10_000


def train_step(net: Network, opt: Optimizer, X: np.ndarray, Y: np.ndarray) -> tuple[float, list[float]]:
    """One forward/loss/backward/update on a batch, on the fast path; returns the batch loss
    and per-layer ‖∂L/∂W‖. The same computation as the traced phases, with their finiteness
    checks on the loss and the gradients (:class:`StepOverflow`) and the update's on every
    new parameter (:class:`NonFiniteError`); either way nothing is applied.
    (Plain SGD epochs run on :class:`fastpath.SGDSteps`, the same numbers with fewer calls.)
    Run it under ``np.errstate(over="ignore", invalid="ignore")``."""
    fwd = _forward(net, X)
    lss = _loss(net, fwd, Y, trace=False)
    if not math.isfinite(lss.loss):
        raise StepOverflow(LOSS_OVERFLOW, "loss")
    grads = _backward(net, fwd, lss, trace=False)
    norms = [g.grad_norm for g in grads]
    if not math.isfinite(sum(norms)):
        raise StepOverflow(GRADIENTS_OVERFLOW, "gradients")
    apply_gradients(net, opt, [g.dL_dW for g in grads], [g.dL_db for g in grads])
    return lss.loss, norms


@dataclass
class TrainResult:
    epochs_run: int
    stopped_early: bool
    history: list[dict]
    diverged: DivergedError | None = None  # the refused step, when training diverged


@dataclass
class _Parameters:
    """The parameters and optimizer state before one update, enough to undo it: the arrays
    themselves, no copy, since :func:`apply_gradients` replaces them (and the state's
    entries) rather than writing into them."""

    arrays: list[tuple[np.ndarray, np.ndarray]]
    state: dict
    t: int

    @classmethod
    def held(cls, net: Network, opt: Optimizer) -> _Parameters:
        return cls([(layer.W, layer.b) for layer in net.layers], dict(opt.state), opt.t)

    def restore(self, net: Network, opt: Optimizer) -> None:
        for layer, (W, b) in zip(net.layers, self.arrays):
            layer.W, layer.b = W, b
        opt.state, opt.t = self.state, self.t


@dataclass
class _Counts:
    """The trainer's counts before one update of a run, to take that update back when the
    next batch shows it made the loss or gradients overflow (the rule in engine.divergence)."""

    step: int
    cursor: int
    norm_sums: list[float]
    norm_count: int
    step_losses: int  # their number
    head: list | None  # the oldest step loss, which the update's entry may push out


@dataclass
class Trainer:
    dataset: Dataset
    _: KW_ONLY  # the settings and the progress by name: Trainer(data, batch_size=10, seed=3)
    batch_size: int = 1
    validation_split: float = 0.0
    seed: int = 0
    epoch: int = 0  # completed epochs
    step: int = 0  # updates applied
    cursor: int = 0  # training samples consumed in the current epoch
    # Updates applied when the last epoch closed (0 before any); None: not known (progress
    # stored before it was counted). Updates on chosen rows after it leave the cursor at 0.
    epoch_end_step: int | None = 0
    history: list[dict] = field(default_factory=list)
    norm_sums: list[float] = field(default_factory=list)  # Σ ‖∂L/∂W‖ this epoch, per layer
    norm_count: int = 0
    # [step, epoch (1-based, the one the step belongs to), batch loss] per update, the last
    # max_step_losses of them: the loss curve while stepping.
    step_losses: list[list] = field(default_factory=list)
    max_step_losses: int = MAX_STEP_LOSSES  # the app passes its configured limit

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise EngineError("batch_size must be ≥ 1")
        self.train_idx, self.val_idx = split_indices(len(self.dataset.X), self.validation_split, self.seed)
        self._n_train = len(self.train_idx)
        self._splits: tuple[np.ndarray, ...] | None = None
        self._sgd = SGDEpochs()  # plain SGD's epochs, kept from one to the next while train() runs

    @property
    def n_train(self) -> int:
        return self._n_train

    @property
    def batches_per_epoch(self) -> int:
        return -(-self.n_train // self.batch_size)

    @property
    def batches_left(self) -> int:
        """Updates still to come in the current epoch, the closing one included."""
        return -(-(self.n_train - self.cursor) // self.batch_size)

    def order(self) -> np.ndarray:
        """Training sample indices in this epoch's shuffled order."""
        return epoch_order(len(self.dataset.X), float(self.validation_split), self.seed, self.epoch)

    def next_batch(self) -> np.ndarray:
        """Dataset row indices of the batch at the cursor (not consumed until :meth:`advance`)."""
        return self.order()[self.cursor : self.cursor + self.batch_size]

    def batch_arrays(self, indices: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        idx = self.next_batch() if indices is None else indices
        return self.dataset.X[idx], self.dataset.Y[idx]

    def following_batch(self, used: int) -> tuple[np.ndarray, np.ndarray]:
        """The batch the next step takes once ``used`` more samples of this epoch are consumed:
        the next epoch's first batch when that closes the epoch."""
        cursor = self.cursor + used
        if cursor >= self._n_train:
            order = epoch_order(len(self.dataset.X), float(self.validation_split), self.seed, self.epoch + 1)
            idx = order[: self.batch_size]
        else:
            idx = self.order()[cursor : cursor + self.batch_size]
        return self.dataset.X[idx], self.dataset.Y[idx]

    def advance(
        self, net: Network, grad_norms: list[float], batch_len: int, loss: float | None = None
    ) -> dict | None:
        """Count one applied update (whose batch loss was ``loss``); closes the epoch
        (returning its history entry) after its last batch.

        Atomic: when the epoch's closing evaluation overflows, :class:`NonFiniteError` is
        raised before anything is counted; when the next epoch's first batch cannot run
        its step (engine.divergence's rule), :class:`StepOverflow`."""
        closing = self.cursor + batch_len >= self._n_train
        scores = None
        if closing:
            scores = self.scores(net)
            check_next_step(net, *self.following_batch(batch_len))
        self.step += 1
        if loss is not None:
            self.step_losses.append([self.step, self.epoch + 1, loss])
            if len(self.step_losses) > self.max_step_losses:
                del self.step_losses[: len(self.step_losses) - self.max_step_losses]
        self.cursor += batch_len
        if not self.norm_sums:
            self.norm_sums = [0.0] * len(grad_norms)
        self.norm_sums = [s + g for s, g in zip(self.norm_sums, grad_norms)]
        self.norm_count += 1
        return None if scores is None else self.close(scores)

    def _counts(self) -> _Counts:
        losses = self.step_losses
        head = losses[0] if losses and len(losses) >= self.max_step_losses else None
        return _Counts(self.step, self.cursor, self.norm_sums[:], self.norm_count, len(losses), head)

    def _restore(self, net: Network, opt: Optimizer, held: _Parameters, counts: _Counts) -> None:
        """The parameters ``held`` and the counts ``counts``: one update of :meth:`advance` taken back."""
        held.restore(net, opt)
        self.step, self.cursor, self.norm_count = counts.step, counts.cursor, counts.norm_count
        self.norm_sums = counts.norm_sums
        del self.step_losses[-1]
        if counts.head is not None and len(self.step_losses) < counts.step_losses:
            self.step_losses.insert(0, counts.head)  # the entry the update's own pushed out

    def scores(self, net: Network) -> tuple:
        """Loss and accuracy on the training and validation splits, at the current parameters."""
        if self._splits is None:  # gathered once: the dataset never changes under a trainer
            X, Y = self.dataset.X, self.dataset.Y
            self._splits = (X[self.train_idx], Y[self.train_idx], X[self.val_idx], Y[self.val_idx])
        X_train, Y_train, X_val, Y_val = self._splits
        task = self.dataset.task
        return (*evaluate(net, X_train, Y_train, task), *evaluate(net, X_val, Y_val, task))

    def close(self, scores: tuple) -> dict:
        """Close the epoch whose evaluation is ``scores``: its history entry, appended."""
        train_loss, train_acc, val_loss, val_acc = scores
        count = max(self.norm_count, 1)
        entry = {
            "epoch": self.epoch + 1,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "train_accuracy": train_acc,
            "val_accuracy": val_acc,
            "grad_norms": [s / count for s in self.norm_sums],
        }
        self.history.append(entry)
        self.epoch += 1
        self.epoch_end_step = self.step
        self.cursor = 0
        self.norm_sums, self.norm_count = [], 0
        return entry

    def run_epoch(self, net: Network, opt: Optimizer) -> dict:
        """Finish the current epoch from the cursor on the untraced fast path.

        Raises :class:`DivergedError` at a step that would make a parameter, or the loss of
        its batch or of the epoch's evaluation, non-finite. That step is not applied:
        parameters, optimizer state, cursor and counters stay as after the step before it.
        """
        entry = self._run(net, opt, None)
        assert entry is not None
        return entry

    def run_updates(self, net: Network, opt: Optimizer, count: int) -> None:
        """Apply the epoch's next ``count`` updates exactly as :meth:`run_epoch` would, stopping
        before the one that closes the epoch: the timeline replays part of an epoch this way."""
        if not 0 < count < self.batches_left:
            left = self.batches_left - 1
            raise EngineError(f"count must be between 1 and {left} (the epoch's updates before its last)")
        self._run(net, opt, count)

    def _run(self, net: Network, opt: Optimizer, limit: int | None) -> dict | None:
        with np.errstate(over="ignore", invalid="ignore"):
            if opt.name == "sgd":
                return self._sgd.run(self, net, opt, limit)
            # Gather the epoch's shuffled rows once; each batch is then a cheap contiguous slice.
            order = self.order()
            X, Y = self.dataset.X[order], self.dataset.Y[order]
            size, n = self.batch_size, self._n_train
            last: tuple[_Parameters, _Counts] | None = None  # what this run's last update replaced
            while True:
                start = self.cursor
                stop = start + size
                before, counts = _Parameters.held(net, opt), self._counts()
                try:
                    batch_loss, norms = train_step(net, opt, X[start:stop], Y[start:stop])
                except StepOverflow as error:  # the update before made this batch overflow
                    if last is None:
                        raise refused(self, error, opt.learning_rate) from None
                    self._restore(net, opt, *last)
                    raise next_step_overflowed(self, error, opt.learning_rate) from None
                except NonFiniteError as error:  # nothing was applied
                    raise refused(self, error, opt.learning_rate) from None
                try:
                    entry = self.advance(net, norms, min(size, n - start), batch_loss)
                except StepOverflow as error:  # the next epoch's first batch: undo the last step
                    before.restore(net, opt)
                    raise next_step_overflowed(self, error, opt.learning_rate) from None
                except NonFiniteError:  # the epoch's evaluation overflowed: undo its last step
                    before.restore(net, opt)
                    raise evaluation_overflowed(self, opt.learning_rate) from None
                if entry is not None:
                    return entry
                last = before, counts
                if limit is not None:
                    limit -= 1
                    if not limit:
                        self._check_next(net, opt, 0, partial(self._restore, net, opt, *last))
                        return None

    def _check_next(self, net: Network, opt: Optimizer, used: int, take_back: Callable[[], object]) -> None:
        """A run that stops inside an epoch checks the rule on the batch that comes next (after
        ``used`` more samples) itself, no later step of the run having done it; ``take_back()``
        undoes its last update if that batch overflows."""
        try:
            check_next_step(net, *self.following_batch(used))
        except StepOverflow as error:
            take_back()
            raise next_step_overflowed(self, error, opt.learning_rate) from None


@dataclass
class EarlyStopping:
    """Stop when the monitored loss (the validation loss if there is a hold-out, else the
    training loss) has not improved by more than ``min_delta`` for ``patience`` epochs, or as
    soon as the training accuracy reaches ``train_accuracy`` (1.0: every training sample right;
    classification only). Either rule may be left out (None), not both.
    ``best`` and ``waited`` are the count so far: a run may carry on one an earlier run left
    (a client that trains in short calls stops where one long call would). ``reason`` names the
    rule that stopped the run: "patience" or "train_accuracy" (None while it goes on)."""

    patience: int | None
    min_delta: float = 0.0
    best: float = math.inf  # the lowest monitored loss so far
    waited: int = 0  # epochs since it was reached
    train_accuracy: float | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.patience is None and self.train_accuracy is None:
            raise EngineError("early stopping needs a patience, a training accuracy to reach, or both")
        if (self.patience is not None and self.patience < 1) or self.waited < 0 or not self.min_delta >= 0:
            raise EngineError("early stopping needs patience ≥ 1, waited ≥ 0 and min_delta ≥ 0")
        if self.train_accuracy is not None and not 0 < self.train_accuracy <= 1:
            raise EngineError("the training accuracy to stop at is a fraction in (0, 1]")

    def count(self, entry: dict) -> bool:
        """Count the epoch whose history entry is ``entry``; True when training should stop."""
        monitored = entry["val_loss"] if entry["val_loss"] is not None else entry["train_loss"]
        if monitored < self.best - self.min_delta:
            self.best, self.waited = monitored, 0
        else:
            self.waited += 1
        accuracy = entry.get("train_accuracy")
        if self.train_accuracy is not None and accuracy is not None and accuracy >= self.train_accuracy:
            self.reason = "train_accuracy"
        elif self.patience is not None and self.waited >= self.patience:
            self.reason = "patience"
        return self.reason is not None


def train(
    net: Network,
    opt: Optimizer,
    trainer: Trainer,
    epochs: int,
    *,
    early_stopping: EarlyStopping | None = None,
    on_epoch: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Run up to ``epochs`` epochs; stop when ``early_stopping`` says so (its count goes on in
    it), or when ``should_stop()`` turns true between epochs.

    A step that would make a parameter or the loss non-finite ends the run: it is not
    applied, the epochs completed before it are kept, and it is returned in ``diverged``."""
    if epochs < 1:
        raise EngineError("epochs must be ≥ 1")
    entries: list[dict] = []
    trainer._sgd.keep = True  # one θ for all the epochs: callbacks copy what they keep
    try:
        for _ in range(epochs):
            try:
                entry = trainer.run_epoch(net, opt)
            except DivergedError as diverged:
                return TrainResult(len(entries), False, entries, diverged)
            entries.append(entry)
            if on_epoch is not None:
                on_epoch(entry)
            if early_stopping is not None and early_stopping.count(entry):
                return TrainResult(len(entries), True, entries)
            if should_stop is not None and should_stop():
                break
        return TrainResult(len(entries), False, entries)
    finally:
        trainer._sgd.release()
