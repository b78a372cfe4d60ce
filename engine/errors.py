"""The engine's errors: a request it cannot take, and a step it refuses."""

from __future__ import annotations


class EngineError(ValueError):
    """Invalid request to the engine: a wrong name, shape or value."""


class NonFiniteError(ArithmeticError):
    """A step would put NaN or infinity into the parameters; it was refused.

    ``parameter`` names the first parameter ("W2", "b1") that would have gone non-finite,
    when the refusal came from the update rather than from an overflowing loss.
    """

    def __init__(self, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class StepOverflow(NonFiniteError):
    """At the current parameters a step cannot run: its loss or its gradients are not finite.

    The update that produced these parameters is the one to refuse (see
    :func:`engine.divergence.check_next_step`); ``what`` is "loss" or "gradients"."""

    def __init__(self, message: str, what: str) -> None:
        super().__init__(message)
        self.what = what
