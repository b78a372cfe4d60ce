"""Plain SGD's epochs on the written-out steps: a trainer's batches handed to
:class:`fastpath.SGDSteps`, counted as :meth:`Trainer.advance` counts them one by one, a
refused step reported as the stepwise loop reports it.

The numbers (parameters, step losses, norm sums, history) and the refused steps are the
ones :meth:`Trainer.run_epoch` gives on the stepwise path (``train_step`` then ``advance``);
only the calls are fewer. While ``train()`` runs epochs back to back, :class:`SGDEpochs`
keeps the steps and the epoch's row buffers from one epoch to the next.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from typing import Protocol

import numpy as np

from .data import Dataset
from .divergence import (
    DivergedError,
    check_next_step,
    evaluation_overflowed,
    next_step_overflowed,
    refused,
)
from .errors import NonFiniteError, StepOverflow
from .fastpath import SGDSteps
from .network import Network
from .optimizers import FlatSGD, Optimizer


class Counts(Protocol):
    """What an SGD epoch reads of the trainer that runs it, and the counts it moves on
    (engine.training.Trainer)."""

    dataset: Dataset
    batch_size: int
    epoch: int  # completed epochs
    step: int  # updates applied
    cursor: int  # training samples consumed in the current epoch
    history: list[dict]
    norm_sums: list[float]
    norm_count: int
    step_losses: list[list]
    max_step_losses: int

    @property
    def n_train(self) -> int: ...

    def order(self) -> np.ndarray: ...

    def following_batch(self, used: int) -> tuple[np.ndarray, np.ndarray]: ...

    def scores(self, net: Network) -> tuple: ...

    def close(self, scores: tuple) -> dict: ...


Batches = list[tuple[np.ndarray, np.ndarray]]


class SGDEpochs:
    """One trainer's plain-SGD epochs. With ``keep`` (set while ``train()`` runs) the steps of
    the last epoch and its row buffers stay for the next one; their θ is then the layers'
    arrays from the first epoch to the last. :meth:`release` lets them go."""

    def __init__(self) -> None:
        self.keep = False
        self._kernel: SGDSteps | None = None
        # The rows and batch views :meth:`_gather` fills (batches of the first element's size).
        self._rows: tuple[int, np.ndarray, np.ndarray, Batches] | None = None

    def release(self) -> None:
        self.keep, self._kernel, self._rows = False, None, None

    def _gather(self, trainer: Counts) -> tuple[np.ndarray, np.ndarray, Batches | None]:
        """This epoch's training rows in its shuffled order. With ``keep`` they are written
        into arrays made once, whose full batches are (inputs, targets) views also made once
        (returned third; None without ``keep``), so an epoch hands out its batches without
        making views of its own."""
        size, kept, n = trainer.batch_size, self._rows, trainer.n_train
        X, Y = trainer.dataset.X, trainer.dataset.Y
        order = trainer.order()
        if not self.keep:
            return X[order], Y[order], None
        if kept is None or kept[0] != size:
            X_rows, Y_rows = (np.empty((n, a.shape[1]), a.dtype) for a in (X, Y))
            full = n // size
            views = zip(*(a[: full * size].reshape(full, size, a.shape[1]) for a in (X_rows, Y_rows)))
            kept = self._rows = size, X_rows, Y_rows, list(views)
        _, X_rows, Y_rows, batches = kept
        X.take(order, 0, X_rows, "clip")  # "clip": the indices are valid; the default copies once more
        Y.take(order, 0, Y_rows, "clip")
        return X_rows, Y_rows, batches

    def run(self, trainer: Counts, net: Network, opt: Optimizer, limit: int | None = None) -> dict | None:
        """``trainer``'s epoch from its cursor (its first ``limit`` updates, if given), for
        plain SGD: :class:`SGDSteps` on one flat parameter vector. The updates before the
        epoch's last run back to back; they are counted after them (or before a refused one
        is reported) with the counts :meth:`Trainer.advance` would give. Returns the epoch's
        history entry when it closes. Run it under ``np.errstate(over="ignore", invalid="ignore")``."""
        X, Y, full_batches = self._gather(trainer)
        size, n, cursor = trainer.batch_size, trainer.n_train, trainer.cursor
        if not trainer.norm_sums:
            trainer.norm_sums = [0.0] * len(net.layers)
        kernel = self._kernel
        if kernel is not None and kernel.fits(net, opt) and kernel.flat.rows == min(size, n):
            trainer.norm_sums = kernel.resume(trainer.norm_sums)
        else:
            kernel = SGDSteps(net, FlatSGD(net, opt, min(size, n)), trainer.norm_sums)
            self._kernel = kernel if self.keep else None
        starts = range(cursor, n, size)[:limit]
        closing = len(starts) > 0 and starts[-1] + size >= n  # its last update closes the epoch
        # The full batches before the closing one: train()'s views when the cursor is at a
        # batch boundary (it is not after a change of batch size mid-epoch), else (batches,
        # size, ·) views whose iteration hands out each batch without a slice per step.
        full = len(starts) - closing
        if full_batches is not None and cursor % size == 0:
            first = cursor // size
            batches: Iterable[tuple[np.ndarray, np.ndarray]] = full_batches[first : first + full]
        else:
            body = slice(cursor, cursor + full * size)
            batches = zip(*(a[body].reshape(full, size, a.shape[1]) for a in (X, Y)))
        losses: list[float] = []
        closing_loss: float | None = None
        try:
            try:
                if full:
                    kernel.run(size, batches, full, losses)
                if closing:  # its update is undone with its evaluation if that overflows
                    closing_loss = kernel.step(X[starts[-1] :], Y[starts[-1] :])
                elif losses:  # a run that stops inside the epoch: the rule on the batch next
                    _check_next_batch(trainer, kernel, net, len(losses) * size)
            except StepOverflow as error:  # the update before made this batch overflow
                if not losses:
                    raise _refused(trainer, error, opt) from None
                kernel.undo()
                losses.pop()
                count_updates(trainer, losses)
                raise _refused(trainer, error, opt, next_step=True) from None
            except NonFiniteError as error:
                count_updates(trainer, losses)
                raise _refused(trainer, error, opt) from None
            count_updates(trainer, losses)
            if closing_loss is not None:
                return _close_epoch(trainer, kernel, net, opt, closing_loss, n - starts[-1])
            return None
        finally:
            if len(trainer.step_losses) > trainer.max_step_losses:
                del trainer.step_losses[: len(trainer.step_losses) - trainer.max_step_losses]


def count_updates(trainer: Counts, losses: list[float]) -> None:
    """Count full-batch updates of the current epoch, applied one after another, whose
    batch losses were ``losses``. Step losses past the cap are dropped when the list
    passes twice the cap (one by one would move the whole list at every update), so the
    list keeps the length that rule gives it; the run trims it to the cap when it ends."""
    count = len(losses)
    if not count:
        return
    cap, kept = trainer.max_step_losses, trainer.step_losses
    length = len(kept) + count
    if length > 2 * cap:  # back to `cap` on passing 2·cap, then every cap + 1 updates
        first_drop = max(1, 2 * cap + 1 - len(kept))
        length = cap + (count - first_drop) % (cap + 1)
    new = min(count, length)  # the new losses the list keeps
    number, epoch = trainer.step + count - new, trainer.epoch + 1
    kept.extend(map(list, zip(range(number + 1, number + new + 1), repeat(epoch), losses[count - new :])))
    del kept[: len(kept) - length]
    trainer.step += count
    trainer.norm_count += count
    trainer.cursor += count * trainer.batch_size


def _refused(
    trainer: Counts, error: NonFiniteError, opt: Optimizer, next_step: bool = False
) -> DivergedError:
    """A kernel step refused (nothing was applied), or with ``next_step`` the update before
    it taken back: the norm sums are as before the refused update."""
    if not trainer.norm_count:
        trainer.norm_sums = []  # as before the epoch's first step
    if next_step:
        assert isinstance(error, StepOverflow)
        return next_step_overflowed(trainer, error, opt.learning_rate)
    return refused(trainer, error, opt.learning_rate)


def _check_next_batch(trainer: Counts, kernel: SGDSteps, net: Network, used: int) -> None:
    """The rule (engine.divergence) on the batch the next step takes once ``used`` more
    samples are consumed: by ``kernel``'s check, which is check_next_step's in fewer calls,
    where it has one."""
    X, Y = trainer.following_batch(used)
    if not kernel.check(X, Y):
        check_next_step(net, X, Y)


def _close_epoch(
    trainer: Counts, kernel: SGDSteps, net: Network, opt: Optimizer, batch_loss: float, batch_len: int
) -> dict:
    """Count the epoch's last SGD step (applied, with batch loss ``batch_loss``) after its
    evaluation and the rule on the next epoch's first batch; if either overflows the step
    is undone (:meth:`SGDSteps.undo`: θ and the norm sums as before it)."""
    try:
        scores = trainer.scores(net)
        _check_next_batch(trainer, kernel, net, batch_len)
    except NonFiniteError as error:
        kernel.undo()
        if isinstance(error, StepOverflow):
            raise next_step_overflowed(trainer, error, opt.learning_rate) from None
        raise evaluation_overflowed(trainer, opt.learning_rate) from None
    trainer.step += 1
    trainer.step_losses.append([trainer.step, trainer.epoch + 1, batch_loss])
    trainer.norm_count += 1
    trainer.cursor = trainer.n_train
    return trainer.close(scores)
