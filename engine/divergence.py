"""Divergence: the step training refused because it would make a parameter or the loss
non-finite, and one sentence that tells the learner what happened and what to try."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import NonFiniteError

if TYPE_CHECKING:
    from .optimizers import Optimizer
    from .training import Trainer


class DivergedError(NonFiniteError):
    """Training met a step that would make a parameter or the loss non-finite; it was refused.

    ``epoch`` is the 1-based epoch the refused step fell in, ``step`` the number it would
    have had (updates applied so far + 1), ``detail`` one sentence for the learner.
    """

    def __init__(self, epoch: int, step: int, detail: str, parameter: str | None = None) -> None:
        super().__init__(detail, parameter)
        self.epoch, self.step, self.detail = epoch, step, detail


def refused(trainer: Trainer, error: NonFiniteError, opt: Optimizer) -> DivergedError:
    """A step refused before anything was applied: its loss or a new parameter was non-finite."""
    what = "loss at step {step} (epoch {epoch}) overflowed before its update"
    if error.parameter:
        what = "update at step {step} (epoch {epoch}) would have made "
        what += f"{error.parameter} non-finite"
    return _diverged(trainer, what, error.parameter, opt)


def evaluation_overflowed(trainer: Trainer, opt: Optimizer) -> DivergedError:
    what = "update at step {step} (epoch {epoch}) would have made the epoch's loss overflow"
    return _diverged(trainer, what, None, opt)


def _diverged(trainer: Trainer, what: str, parameter: str | None, opt: Optimizer) -> DivergedError:
    epoch, step = trainer.epoch + 1, trainer.step + 1
    growth = _growth(trainer)
    detail = (
        f"the {what.format(step=step, epoch=epoch)}{': ' + growth if growth else ''}; "
        f"try a lower learning rate than {opt.learning_rate:g}"
    )
    return DivergedError(epoch, step, detail, parameter)


def _growth(trainer: Trainer) -> str:
    """How fast the loss was growing before the refused step, in words ("" if it was not)."""
    losses = [entry["train_loss"] for entry in trainer.history[-2:]]
    if len(losses) == 2 and 0 < losses[0] < losses[1]:
        return f"the loss was growing ×{losses[1] / losses[0]:.3g} per epoch"
    recent = [loss for _, epoch, loss in trainer.step_losses[-10:] if epoch == trainer.epoch + 1]
    if len(recent) >= 2 and 0 < recent[0] < recent[-1]:
        factor = (recent[-1] / recent[0]) ** (1 / (len(recent) - 1))
        return f"the batch loss was growing ×{factor:.3g} per update"
    return ""
