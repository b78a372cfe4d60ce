"""Which outputs and targets a loss can read: a network whose loss cannot read its output layer
or its targets is refused with a 422 that says why and what to choose instead (checked for
every new network, a PATCH of the loss or an activation, and targets sent with a request)."""

from __future__ import annotations

import numpy as np
from backprop_explorer.engine import Dataset

from ..errors import InvalidInput

# The losses that read each output as a probability: log ŷ and log(1 − ŷ) need 0 < ŷ < 1, which
# a sigmoid or a softmax output gives and no other does (the engine would clip ŷ into the log,
# and the clipped loss is flat where the gradient it reports is not). Cross-entropy, −Σ y log ŷ,
# is a distance between distributions: over sigmoid outputs nothing in it pulls a wrong class
# down, so one output learns to say 1 to everything. Targets outside [0, 1] leave both unbounded
# below: the loss would fall forever instead of settling.
OUTPUT_RANGES = {
    "tanh": "gives values from −1 to 1",
    "relu": "gives values from 0 up",
    "linear": "gives any value",
    "leaky_relu": "gives any value",
    "sigmoid": "gives each class a probability of its own, and −Σ y log ŷ would never pull a wrong one down",
}
# Per loss: the output activations it reads, why, and what to choose instead.
READS = {
    "bce": (
        ("sigmoid", "softmax"),
        "reads each output as a probability, so it needs a sigmoid (or softmax) output layer",
        "Choose sigmoid for the output layer, or the loss mse or half_sse",
    ),
    "cross_entropy": (
        ("softmax",),
        "compares the output's distribution over the classes with the target's, so it needs a "
        "softmax output layer",
        "Choose softmax for the output layer (2 or more neurons), bce for sigmoid outputs, or the "
        "loss mse or half_sse",
    ),
}


def check_loss_fits(spec: dict, dataset: Dataset | None) -> None:
    """422 when the spec's loss cannot read its output layer or its data's targets."""
    loss, output = spec["loss"], spec["activations"][-1]
    if loss in READS:
        outputs, why, instead = READS[loss]
        if output not in outputs:
            raise InvalidInput(
                f"the loss {loss} {why}; a {output} output {OUTPUT_RANGES[output]}. {instead}",
                "loss_mismatch",
            )
    if dataset is not None:
        check_targets(loss, dataset.Y, "this data's targets")


def check_sent_targets(loss: str, X: np.ndarray, Y: np.ndarray) -> None:
    """422 when targets sent with inputs ``X`` (a phase's or a gradient check's) do not fit: one
    row per input row, and within [0, 1] for a loss that reads probabilities."""
    if len(Y) != len(X):
        raise InvalidInput(f"targets needs {len(X)} rows, one per input row, got {len(Y)}")
    check_targets(loss, Y)


def check_targets(loss: str, Y: np.ndarray, what: str = "the targets sent") -> None:
    """422 when ``loss`` reads probabilities and ``Y`` holds a target outside [0, 1]."""
    if loss not in READS or not Y.size:
        return
    low, high = float(Y.min()), float(Y.max())
    if low < 0 or high > 1:
        spread = f" (from {low:.6g} to {high:.6g})" if low != high else ""
        raise InvalidInput(
            f"the loss {loss} needs targets between 0 and 1 (probabilities), and {what} include "
            f"{high if high > 1 else low:.6g}{spread}: choose the loss mse or half_sse",
            "loss_mismatch",
        )
