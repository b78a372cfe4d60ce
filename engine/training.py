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
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field

import numpy as np

from .data import Dataset
from .divergence import DivergedError, evaluation_overflowed, refused
from .errors import EngineError, NonFiniteError
from .evaluation import evaluate
from .fastpath import LOSS_OVERFLOW, SGDSteps
from .network import Network, _backward, _forward, _loss
from .optimizers import FlatSGD, Optimizer, apply_gradients
from .order import epoch_order, split_indices

__all__ = ["DivergedError", "EarlyStopping", "TrainResult", "Trainer", "evaluate", "train", "train_step"]

MAX_STEP_LOSSES = 10_000


def train_step(net: Network, opt: Optimizer, X: np.ndarray, Y: np.ndarray) -> tuple[float, list[float]]:
    """One forward/loss/backward/update on a batch, on the fast path; returns the batch loss
    and per-layer ‖∂L/∂W‖. The same computation as the traced phases, without their
    per-array finiteness checks: the update still refuses any non-finite parameter.
    (Plain SGD epochs run on :class:`fastpath.SGDSteps`, the same numbers with fewer calls.)
    Run it under ``np.errstate(over="ignore", invalid="ignore")``."""
    fwd = _forward(net, X)
    lss = _loss(net, fwd, Y, trace=False)
    if not math.isfinite(lss.loss):
        raise NonFiniteError(LOSS_OVERFLOW)
    grads = _backward(net, fwd, lss, trace=False)
    apply_gradients(net, opt, [g.dL_dW for g in grads], [g.dL_db for g in grads])
    return lss.loss, [g.grad_norm for g in grads]


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

    def restore(self, net: Network, opt: Optimizer) -> None:
        for layer, (W, b) in zip(net.layers, self.arrays):
            layer.W, layer.b = W, b
        opt.state, opt.t = self.state, self.t


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

    def advance(
        self, net: Network, grad_norms: list[float], batch_len: int, loss: float | None = None
    ) -> dict | None:
        """Count one applied update (whose batch loss was ``loss``); closes the epoch
        (returning its history entry) after its last batch.

        Atomic: when the epoch's closing evaluation overflows, :class:`NonFiniteError` is
        raised before anything is counted."""
        closing = self.cursor + batch_len >= self._n_train
        scores = self._scores(net) if closing else None
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
        # Gather the epoch's shuffled rows once; each batch is then a cheap contiguous slice.
        order = self.order()
        X, Y = self.dataset.X[order], self.dataset.Y[order]
        with np.errstate(over="ignore", invalid="ignore"):
            if opt.name == "sgd":
                return self._run_sgd_epoch(net, opt, X, Y, limit)
            size, n = self.batch_size, self._n_train
            while True:
                start = self.cursor
                stop = start + size
                # Only the epoch's last step can be undone after it was applied (its epoch
                # evaluation overflows): keep what it replaces.
                before = _Parameters.of(net, opt) if stop >= n else None
                try:
                    batch_loss, norms = train_step(net, opt, X[start:stop], Y[start:stop])
                except NonFiniteError as error:  # nothing was applied
                    raise refused(self, error, opt.learning_rate) from None
                try:
                    entry = self.advance(net, norms, min(size, n - start), batch_loss)
                except NonFiniteError:  # the epoch's evaluation overflowed: undo its last step
                    assert before is not None
                    before.restore(net, opt)
                    raise evaluation_overflowed(self, opt.learning_rate) from None
                if entry is not None:
                    return entry
                if limit is not None:
                    limit -= 1
                    if not limit:
                        return None

    def _run_sgd_epoch(
        self, net: Network, opt: Optimizer, X: np.ndarray, Y: np.ndarray, limit: int | None = None
    ) -> dict | None:
        """:meth:`run_epoch` for plain SGD: :class:`SGDSteps` on one flat parameter vector,
        with the bookkeeping of :meth:`advance` inlined (the same counts, in the same order).
        The step losses beyond the cap are dropped once they reach twice the cap, and at the
        end: dropping them one by one would move the whole list at every step."""
        size, n = self.batch_size, self._n_train
        if not self.norm_sums:
            self.norm_sums = [0.0] * len(net.layers)
        sums = self.norm_sums
        step = SGDSteps(net, FlatSGD(net, opt), sums).step
        step_losses, cap, epoch = self.step_losses, self.max_step_losses, self.epoch + 1
        starts = range(self.cursor, n, size)
        try:
            for start in starts if limit is None else starts[:limit]:
                stop = start + size
                if stop >= n:  # the epoch's last step is undone if its evaluation overflows
                    return self._close_sgd_epoch(net, opt, step, X[start:], Y[start:])
                try:
                    batch_loss = step(X[start:stop], Y[start:stop])
                except NonFiniteError as error:
                    raise self._sgd_refused(error, opt) from None
                self.step += 1
                step_losses.append([self.step, epoch, batch_loss])
                if len(step_losses) > 2 * cap:
                    del step_losses[: len(step_losses) - cap]
                self.norm_count += 1
                self.cursor = stop
            return None
        finally:
            if len(step_losses) > cap:
                del step_losses[: len(step_losses) - cap]

    def _sgd_refused(self, error: NonFiniteError, opt: Optimizer) -> DivergedError:
        """A kernel step refused (nothing was applied): the norm sums are as before it."""
        if not self.norm_count:
            self.norm_sums = []  # as before the epoch's first step
        return refused(self, error, opt.learning_rate)

    def _close_sgd_epoch(
        self, net: Network, opt: Optimizer, step: Callable, X: np.ndarray, Y: np.ndarray
    ) -> dict:
        """The epoch's last SGD step and its evaluation, undone together if that overflows."""
        before, sums_before = _Parameters.of(net, opt), self.norm_sums[:]
        try:
            batch_loss = step(X, Y)
        except NonFiniteError as error:
            raise self._sgd_refused(error, opt) from None
        try:
            scores = self._scores(net)
        except NonFiniteError:
            before.restore(net, opt)
            self.norm_sums[:] = sums_before
            raise evaluation_overflowed(self, opt.learning_rate) from None
        self.step += 1
        self.step_losses.append([self.step, self.epoch + 1, batch_loss])
        self.norm_count += 1
        self.cursor = self._n_train
        return self._close(scores)


@dataclass
class EarlyStopping:
    """Stop when the monitored loss (the validation loss if there is a hold-out, else the
    training loss) has not improved by more than ``min_delta`` for ``patience`` epochs.
    ``best`` and ``waited`` are the count so far: a run may carry on one an earlier run left
    (a client that trains in short calls stops where one long call would)."""

    patience: int
    min_delta: float = 0.0
    best: float = math.inf  # the lowest monitored loss so far
    waited: int = 0  # epochs since it was reached

    def __post_init__(self) -> None:
        if self.patience < 1 or self.waited < 0 or not self.min_delta >= 0:
            raise EngineError("early stopping needs patience ≥ 1, waited ≥ 0 and min_delta ≥ 0")

    def count(self, entry: dict) -> bool:
        """Count the epoch whose history entry is ``entry``; True when training should stop."""
        monitored = entry["val_loss"] if entry["val_loss"] is not None else entry["train_loss"]
        if monitored < self.best - self.min_delta:
            self.best, self.waited = monitored, 0
        else:
            self.waited += 1
        return self.waited >= self.patience


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
