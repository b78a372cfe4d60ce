"""Training: mini-batches over a seeded shuffle, a validation hold-out, epochs, early stopping.

The trainer is plain state (cursor, epoch, step, history) so the app can store it and pick
up where it left off. Which samples are held out and the order of each epoch come from
:mod:`engine.order`; the closing evaluation from :mod:`engine.evaluation`; the sentence a
refused step reports from :mod:`engine.divergence`.

History entries hold, per epoch: ``train_loss`` and ``val_loss`` (the batch-mean *data*
loss over the whole training / validation split with the parameters at the end of the
epoch, penalty excluded so the two are comparable), accuracies for classification (``None``
for regression or when there is no validation split), and ``grad_norms``: the mean over the
epoch's updates of each layer's ‖∂L/∂W‖₂.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import KW_ONLY, dataclass, field
from functools import partial
from itertools import repeat

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
from .fastpath import GRADIENTS_OVERFLOW, LOSS_OVERFLOW, SGDSteps
from .network import Network, _backward, _forward, _loss
from .optimizers import FlatSGD, Optimizer, apply_gradients
from .order import epoch_order, split_indices

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
    """A copy of the parameters and optimizer state, enough to undo one update (optimizer
    updates replace state entries rather than writing into them)."""

    arrays: list[tuple[np.ndarray, np.ndarray]]
    state: dict
    t: int

    @classmethod
    def of(cls, net: Network, opt: Optimizer) -> _Parameters:
        return cls([(layer.W.copy(), layer.b.copy()) for layer in net.layers], dict(opt.state), opt.t)

    @classmethod
    def held(cls, net: Network, opt: Optimizer) -> _Parameters:
        """The arrays themselves, no copy: enough where the next update replaces them
        (:func:`apply_gradients`) rather than writing into them (FlatSGD)."""
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
        # _gather's rows and batch views while train() runs (batches of the first element's size).
        self._rows: tuple[int, np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]] | None = None
        # The SGD steps of the last epoch, kept for the next one while train() runs epochs
        # back to back (their θ is then the layers' arrays from the first epoch to the last).
        self._kernel: SGDSteps | None = None
        self._keep_kernel = False

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
            scores = self._scores(net)
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
        return None if scores is None else self._close(scores)

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

    def close_epoch(self, net: Network) -> dict:
        return self._close(self._scores(net))

    def _scores(self, net: Network) -> tuple:
        """Loss and accuracy on the training and validation splits, at the current parameters."""
        if self._splits is None:  # gathered once: the dataset never changes under a trainer
            X, Y = self.dataset.X, self.dataset.Y
            self._splits = (X[self.train_idx], Y[self.train_idx], X[self.val_idx], Y[self.val_idx])
        X_train, Y_train, X_val, Y_val = self._splits
        task = self.dataset.task
        return (*evaluate(net, X_train, Y_train, task), *evaluate(net, X_val, Y_val, task))

    def _close(self, scores: tuple) -> dict:
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
                return self._run_sgd_epoch(net, opt, limit)
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

    def _gather(self) -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]] | None]:
        """This epoch's training rows in its shuffled order. While train() runs epochs back to
        back they are written into arrays made once, whose full batches are (inputs, targets)
        views also made once (returned third; None outside train()), so an epoch hands out
        its batches without making views of its own."""
        size, kept, X, Y = self.batch_size, self._rows, self.dataset.X, self.dataset.Y
        order = self.order()
        if not self._keep_kernel:
            return X[order], Y[order], None
        if kept is None or kept[0] != size:
            X_rows, Y_rows = (np.empty((self._n_train, a.shape[1]), a.dtype) for a in (X, Y))
            full = self._n_train // size
            views = zip(*(a[: full * size].reshape(full, size, a.shape[1]) for a in (X_rows, Y_rows)))
            kept = self._rows = size, X_rows, Y_rows, list(views)
        _, X_rows, Y_rows, batches = kept
        X.take(order, 0, X_rows, "clip")  # "clip": the indices are valid; the default copies once more
        Y.take(order, 0, Y_rows, "clip")
        return X_rows, Y_rows, batches

    def _run_sgd_epoch(self, net: Network, opt: Optimizer, limit: int | None = None) -> dict | None:
        """:meth:`run_epoch` for plain SGD: :class:`SGDSteps` on one flat parameter vector.
        The updates before the epoch's last run back to back; they are counted after them
        (or before a refused one is reported) with the counts :meth:`advance` would give."""
        X, Y, full_batches = self._gather()
        size, n = self.batch_size, self._n_train
        if not self.norm_sums:
            self.norm_sums = [0.0] * len(net.layers)
        kernel = self._kernel
        if kernel is not None and kernel.fits(net, opt) and kernel.flat.rows == min(size, n):
            self.norm_sums = kernel.resume(self.norm_sums)
        else:
            kernel = SGDSteps(net, FlatSGD(net, opt, min(size, n)), self.norm_sums)
            self._kernel = kernel if self._keep_kernel else None
        starts = range(self.cursor, n, size)[:limit]
        closing = len(starts) > 0 and starts[-1] + size >= n  # its last update closes the epoch
        # The full batches before the closing one: train()'s views when the cursor is at a
        # batch boundary (it is not after a change of batch size mid-epoch), else (batches,
        # size, ·) views whose iteration hands out each batch without a slice per step.
        full = len(starts) - closing
        if full_batches is not None and self.cursor % size == 0:
            first = self.cursor // size
            batches: Iterable[tuple[np.ndarray, np.ndarray]] = full_batches[first : first + full]
        else:
            body = slice(self.cursor, self.cursor + full * size)
            batches = zip(*(a[body].reshape(full, size, a.shape[1]) for a in (X, Y)))
        losses: list[float] = []
        step = kernel.for_rows(size) if full else kernel.step
        closing_step: tuple[_Parameters, list[float], float] | None = None
        try:
            try:
                for x, y in batches:
                    losses.append(step(x, y))
                if closing:  # its update is undone with its evaluation if that overflows
                    before, sums_before = _Parameters.of(net, opt), self.norm_sums[:]
                    closing_step = before, sums_before, kernel.step(X[starts[-1] :], Y[starts[-1] :])
                elif losses:  # a run that stops inside the epoch: the rule on the batch next
                    self._check_next_batch(kernel, net, len(losses) * size)
            except StepOverflow as error:  # the update before made this batch overflow
                if not losses:
                    raise self._sgd_refused(error, opt) from None
                kernel.undo()
                losses.pop()
                self._count_updates(losses)
                raise self._sgd_refused(error, opt, next_step=True) from None
            except NonFiniteError as error:
                self._count_updates(losses)
                raise self._sgd_refused(error, opt) from None
            self._count_updates(losses)
            if closing_step is not None:
                return self._close_sgd_epoch(kernel, net, opt, *closing_step, n - starts[-1])
            return None
        finally:
            if len(self.step_losses) > self.max_step_losses:
                del self.step_losses[: len(self.step_losses) - self.max_step_losses]

    def _count_updates(self, losses: list[float]) -> None:
        """Count full-batch updates of the current epoch, applied one after another, whose
        batch losses were ``losses``. Step losses past the cap are dropped when the list
        passes twice the cap (one by one would move the whole list at every update), so the
        list keeps the length that rule gives it; the run trims it to the cap when it ends."""
        count = len(losses)
        if not count:
            return
        cap, kept = self.max_step_losses, self.step_losses
        length = len(kept) + count
        if length > 2 * cap:  # back to `cap` on passing 2·cap, then every cap + 1 updates
            first_drop = max(1, 2 * cap + 1 - len(kept))
            length = cap + (count - first_drop) % (cap + 1)
        new = min(count, length)  # the new losses the list keeps
        number, epoch = self.step + count - new, self.epoch + 1
        kept.extend(map(list, zip(range(number + 1, number + new + 1), repeat(epoch), losses[count - new :])))
        del kept[: len(kept) - length]
        self.step += count
        self.norm_count += count
        self.cursor += count * self.batch_size

    def _sgd_refused(self, error: NonFiniteError, opt: Optimizer, next_step: bool = False) -> DivergedError:
        """A kernel step refused (nothing was applied), or with ``next_step`` the update before
        it taken back: the norm sums are as before the refused update."""
        if not self.norm_count:
            self.norm_sums = []  # as before the epoch's first step
        if next_step:
            assert isinstance(error, StepOverflow)
            return next_step_overflowed(self, error, opt.learning_rate)
        return refused(self, error, opt.learning_rate)

    def _check_next_batch(self, kernel: SGDSteps, net: Network, used: int) -> None:
        """The rule (engine.divergence) on the batch the next step takes once ``used`` more
        samples are consumed: by ``kernel``'s check, which is check_next_step's in fewer calls,
        where it has one."""
        X, Y = self.following_batch(used)
        if not kernel.check(X, Y):
            check_next_step(net, X, Y)

    def _close_sgd_epoch(
        self,
        kernel: SGDSteps,
        net: Network,
        opt: Optimizer,
        before: _Parameters,
        sums_before: list[float],
        batch_loss: float,
        batch_len: int,
    ) -> dict:
        """Count the epoch's last SGD step (applied, with batch loss ``batch_loss``) after its
        evaluation and the rule on the next epoch's first batch; if either overflows the step
        is undone: the parameters ``before`` it, the norm sums ``sums_before``."""
        try:
            scores = self._scores(net)
            self._check_next_batch(kernel, net, batch_len)
        except NonFiniteError as error:
            before.restore(net, opt)
            self.norm_sums[:] = sums_before
            if isinstance(error, StepOverflow):
                raise next_step_overflowed(self, error, opt.learning_rate) from None
            raise evaluation_overflowed(self, opt.learning_rate) from None
        self.step += 1
        self.step_losses.append([self.step, self.epoch + 1, batch_loss])
        self.norm_count += 1
        self.cursor = self._n_train
        return self._close(scores)


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
    trainer._keep_kernel = True  # one θ for all the epochs: callbacks copy what they keep
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
        trainer._keep_kernel, trainer._kernel, trainer._rows = False, None, None
