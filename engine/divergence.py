"""Divergence: which update is refused when training goes non-finite, and one sentence that
tells the learner what happened and what to try.

The rule, the same whichever endpoint applies the update (``/update``, ``/step``, ``/epoch``,
``/train``): an update is applied only if

1. every new parameter and optimizer-state value is finite (and |θ| ≤ 1e154, whose square
   still is), and
2. at the new parameters the step that follows can run: on the batch it will take, the
   forward pass, the loss and the gradients are finite (:func:`check_next_step`). When the
   update closes an epoch, the epoch's evaluation (every training and validation sample)
   must be finite too.

So a network that training or a phase leaves behind can always run every phase of its next
step; only that step's update may be refused, again by this rule. The traced ``/update``
checks (2) ahead, on the batch that comes next; training finds it out when it computes that
batch's loss and gradients anyway, and undoes the update that made them overflow.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .errors import NonFiniteError, StepOverflow
from .network import Network, backward, forward, loss


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


def check_next_step(net: Network, X: np.ndarray, Y: np.ndarray) -> None:
    """Part 2 of the rule: the step on the batch (X, Y) runs forward, loss and backward to
    finite numbers at the current parameters; else :class:`StepOverflow`."""
    try:
        fwd = forward(net, X)
        lss = loss(net, fwd, Y)
    except NonFiniteError as error:
        raise StepOverflow(str(error), "loss") from None
    try:
        backward(net, fwd, lss)
    except NonFiniteError as error:
        raise StepOverflow(str(error), "gradients") from None


def next_step_message(error: StepOverflow, learning_rate: float) -> str:
    """The 422 of a single ``/update`` or ``/step`` refused by part 2 of the rule."""
    what = "loss overflow (not a finite number)" if error.what == "loss" else "gradients overflow"
    return (
        f"the update would make the next batch's {what}; the step was refused and the parameters "
        f"are unchanged — try a lower learning rate than {learning_rate:g}"
    )


def refused(trainer: Progress, error: NonFiniteError, learning_rate: float) -> DivergedError:
    """A step refused before anything was applied: a new parameter was non-finite, or (the first
    step of a run, with no update of its own to undo) its loss or gradients already were."""
    if error.parameter:
        what = "update at step {step} (epoch {epoch}) would have made "
        what += f"{error.parameter_words} non-finite"
        return _diverged(trainer, what, error.parameter, learning_rate)
    # No update of this run made it so: the network as it stands cannot run the batch.
    part = "gradients" if isinstance(error, StepOverflow) and error.what == "gradients" else "loss"
    epoch, step = trainer.epoch + 1, trainer.step + 1
    detail = (
        f"the {part} at step {step} (epoch {epoch}) overflowed before its update: the network's "
        "inputs or weights are too large for float64 on this batch; use smaller inputs or "
        "weights, or reset the network"
    )
    return DivergedError(epoch, step, detail, None)


def next_step_overflowed(trainer: Progress, error: StepOverflow, learning_rate: float) -> DivergedError:
    """The update just undone: at its parameters the next batch's loss or gradients overflowed."""
    what = f"update at step {{step}} (epoch {{epoch}}) would have made the next batch's {error.what} overflow"
    return _diverged(trainer, what, None, learning_rate)


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
