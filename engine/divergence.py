"""Divergence: the step training refused because it would make a parameter or the loss
non-finite, and one sentence that tells the learner what happened and what to try."""

from __future__ import annotations

from typing import Protocol

from .errors import NonFiniteError


class Progress(Protocol):
    """What a sentence about a refused step reads of the trainer that refused it."""

    epoch: int  # completed epochs
    step: int  # updates applied
    history: list[dict]  # the closed epochs' entries
    step_losses: list[list]  # [step, epoch, batch loss] per update


class DivergedError(NonFiniteError):
    """Training met a step that would make a parameter or the loss non-finite; it was refused.

    ``epoch`` is the 1-based epoch the refused step fell in, ``step`` the number it would
    have had (updates applied so far + 1), ``detail`` one sentence for the learner.
    """

    def __init__(self, epoch: int, step: int, detail: str, parameter: str | None = None) -> None:
        super().__init__(detail, parameter)
        self.epoch, self.step, self.detail = epoch, step, detail


def refused(trainer: Progress, error: NonFiniteError, learning_rate: float) -> DivergedError:
    """A step refused before anything was applied: its loss or a new parameter was non-finite."""
    what = "loss at step {step} (epoch {epoch}) overflowed before its update"
    if error.parameter:
        what = "update at step {step} (epoch {epoch}) would have made "
        what += f"{error.parameter} non-finite"
    return _diverged(trainer, what, error.parameter, learning_rate)


def evaluation_overflowed(trainer: Progress, learning_rate: float) -> DivergedError:
    what = "update at step {step} (epoch {epoch}) would have made the epoch's loss overflow"
    return _diverged(trainer, what, None, learning_rate)


def _diverged(trainer: Progress, what: str, parameter: str | None, learning_rate: float) -> DivergedError:
    epoch, step = trainer.epoch + 1, trainer.step + 1
    growth = _growth(trainer)
    detail = (
        f"the {what.format(step=step, epoch=epoch)}{': ' + growth if growth else ''}; "
        f"try a lower learning rate than {learning_rate:g}"
    )
    return DivergedError(epoch, step, detail, parameter)


def _growth(trainer: Progress) -> str:
    """How fast the loss was growing before the refused step, in words ("" if it was not)."""
    losses = [entry["train_loss"] for entry in trainer.history[-2:]]
    if len(losses) == 2 and 0 < losses[0] < losses[1]:
        return f"the loss was growing ×{losses[1] / losses[0]:.3g} per epoch"
    recent = [loss for _, epoch, loss in trainer.step_losses[-10:] if epoch == trainer.epoch + 1]
    if len(recent) >= 2 and 0 < recent[0] < recent[-1]:
        factor = (recent[-1] / recent[0]) ** (1 / (len(recent) - 1))
        return f"the batch loss was growing ×{factor:.3g} per update"
    return ""
