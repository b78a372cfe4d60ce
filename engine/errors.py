"""The engine's errors: a request it cannot take, and a step it refuses; and how their
sentences name a layer."""

from __future__ import annotations


def layer_name(index: int, count: int) -> str:
    """Layer ``index`` (1..``count``, as the API numbers them) by the name the page's drawing
    gives it: "Hidden 2", or "Output" for the last."""
    return "Output" if index == count else f"Hidden {index}"


def parameter_words(parameter: str, count: int) -> str:
    """ "W2 (the weights into Hidden 2)", "b3 (the biases of Output)": a parameter tensor of a
    network of ``count`` layers, by its API name and its layer's."""
    kind, index = parameter[0], int(parameter[1:])
    whose = "weights into" if kind == "W" else "biases of"
    return f"{parameter} (the {whose} {layer_name(index, count)})"


class EngineError(ValueError):
    """Invalid request to the engine: a wrong name, shape or value."""


class NonFiniteError(ArithmeticError):
    """A step would put NaN or infinity into the parameters; it was refused.

    ``parameter`` names the first parameter ("W2", "b1") that would have gone non-finite,
    when the refusal came from the update rather than from an overflowing loss; ``layers`` is
    then the network's number of layers, which tells Hidden 2 from the Output.
    """

    def __init__(self, message: str, parameter: str | None = None, layers: int | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.layers = layers

    @property
    def parameter_words(self) -> str | None:
        """The parameter named as :func:`parameter_words` does (the API name alone when the
        number of layers is not known)."""
        if self.parameter is None or self.layers is None:
            return self.parameter
        return parameter_words(self.parameter, self.layers)


class StepOverflow(NonFiniteError):
    """At the current parameters a step cannot run: its loss or its gradients are not finite.

    The update that produced these parameters is the one to refuse (see
    :func:`engine.divergence.check_next_step`); ``what`` is "loss" or "gradients"."""

    def __init__(self, message: str, what: str) -> None:
        super().__init__(message)
        self.what = what
