"""Epochs, training runs, history, predict and the gradient check."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from .base import (
    MAX_INT,
    UNITS_DESCRIPTION,
    WHOLE,
    Int,
    Matrix,
    Number,
    OutMatrix,
    OutVector,
    Request,
    Response,
    Units,
    case,
    forbid,
    sent,
    unsent,
)
from .networks import NetworkPublic
from .phases import HistoryEntry


class EarlyStopping(Request):
    """Stop after ``patience`` epochs without the monitored loss (validation, else training)
    improving by more than ``min_delta``, or as soon as the training accuracy reaches
    ``train_accuracy`` (classification; 1.0: every training sample right), whichever comes
    first; null leaves a rule out (not both). ``best`` and ``waited`` carry on the count an
    earlier call answered (its ``early_stopping``): training in short calls then stops where
    one long call would."""

    patience: Annotated[int, Field(ge=1, le=MAX_INT), WHOLE] | None = Field(
        10, description="null: no patience rule"
    )
    min_delta: float = Field(0.0, ge=0, le=1e6)
    best: float | None = Field(None, description="the lowest monitored loss so far; null: none yet")
    waited: Int = Field(0, ge=0, le=MAX_INT, description="epochs since `best` was reached")
    train_accuracy: float | None = Field(
        None, gt=0, le=1, description="stop once the training accuracy reaches this fraction (1.0 = 100 %)"
    )

    @model_validator(mode="after")
    def one_rule(self) -> EarlyStopping:
        if self.patience is None and self.train_accuracy is None:
            raise ValueError("give a patience, a train_accuracy to stop at, or both")
        return self


class EarlyStoppingCount(Response):
    best: float | None = Field(description="the lowest monitored loss so far (null: no epoch ran)")
    waited: int = Field(description="epochs since it was reached")


class TrainIn(Request):
    epochs: Int = Field(ge=1, le=MAX_INT)
    early_stopping: EarlyStopping | None = None
    stream: bool = Field(False, description="text/event-stream: `epoch` events, then `done` or `error`")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"epochs": 100, "early_stopping": {"patience": 10, "min_delta": 0.0001}},
                {"epochs": 500, "early_stopping": {"patience": None, "train_accuracy": 1.0}},
            ]
        }
    )


class Diverged(Response):
    """Where a run was cut because an update would have made a parameter non-finite."""

    epoch: int = Field(description="the 1-based epoch in which the refused update fell")
    step: int = Field(description="the number the refused update would have had")
    detail: str


class TrainOut(Response):
    epochs_run: int
    stopped_early: bool
    stopped_by: Literal["patience", "train_accuracy"] | None = Field(
        None, description="the early-stopping rule that ended the run (null when none did)"
    )
    diverged: Diverged | None = Field(
        None, description="null, or where training stopped because the next update would overflow"
    )
    history: list[HistoryEntry]
    network: NetworkPublic
    early_stopping: EarlyStoppingCount | None = Field(
        None, description="with early stopping: the count after this call, to send on with the next"
    )


class EpochOut(Response):
    summary: HistoryEntry | None = Field(description="null when the epoch was cut (see diverged)")
    diverged: Diverged | None = None
    history: list[HistoryEntry] = Field(description="[summary], the same shape as train's")
    network: NetworkPublic


class StopOut(Response):
    stopping: bool = Field(description="true when a train on this network was running")


class StepLoss(Response):
    step: int
    epoch: int
    loss: float


class HistoryOut(Response):
    history: list[HistoryEntry]
    steps: list[StepLoss] = Field(
        description="the loss of each traced update, the last `limits.max_step_losses`"
    )


class Grid(Request):
    resolution: Int = Field(50, ge=2, le=MAX_INT)
    x1_min: Number | None = Field(None, description="first input feature's lowest grid value")
    x1_max: Number | None = Field(None, description="first input feature's highest grid value")
    x2_min: Number | None = Field(None, description="second input feature's lowest grid value")
    x2_max: Number | None = Field(None, description="second input feature's highest grid value")


Counter = Annotated[int, Field(ge=0, le=MAX_INT), WHOLE]


class SnapshotRef(Request):
    """One kept timeline snapshot: the state after update ``step`` or after epoch ``epoch``."""

    step: Counter | None = Field(None, description="the state after this update")
    epoch: Counter | None = Field(None, description="the state after this epoch")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"epoch": 2}, {"step": 5}],
            **forbid(  # exactly one of the two
                case(sent("step", "integer"), sent("epoch", "integer")),
                case(unsent("step", "integer"), unsent("epoch", "integer")),
            ),
        }
    )

    @model_validator(mode="after")
    def one_point(self) -> SnapshotRef:
        if (self.step is None) == (self.epoch is None):
            raise ValueError('give exactly one of "step" or "epoch"')
        return self


class PredictIn(Request):
    inputs: Matrix | None = Field(
        None, description="rows of what the network sees (n_0 columns: its engineered features, if any)"
    )
    grid: Grid | None = Field(
        None, description="raw (x1, x2) points; a network with engineered features gets them computed"
    )
    maps: Literal["uint8"] | None = Field(
        None, description='with a grid: every neuron\'s activation map as bytes ("maps") instead of floats'
    )
    snapshot: SnapshotRef | None = Field(
        None,
        description="predict with a kept timeline snapshot's parameters instead of the current ones "
        "(nothing is rewound); 404 lists the snapshots that exist",
    )
    units: Units = Field("network", description="of inputs: " + UNITS_DESCRIPTION)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"inputs": [[0.05, 0.10]]},
                {"inputs": [[100, 3]], "units": "data"},
                {"grid": {"resolution": 40}},
                {"grid": {"resolution": 100}, "maps": "uint8"},
                {"grid": {"resolution": 40}, "maps": "uint8", "snapshot": {"epoch": 2}},
            ],
            **forbid(  # exactly one of inputs and grid; maps are drawn over a grid
                case(sent("inputs"), sent("grid", "object")),
                case(unsent("inputs"), unsent("grid", "object")),
                case(sent("maps", "string"), unsent("grid", "object")),
            ),
        }
    )


class PredictLayer(Response):
    index: int
    a: OutMatrix


class PredictMap(Response):
    index: int = Field(description="layer l = 1..L")
    min: OutVector = Field(description="per neuron, its smallest activation over the grid")
    max: OutVector = Field(description="per neuron, its largest activation over the grid")
    data: str = Field(
        description="base64 of n_l·R·R bytes, neuron-major then point p = j*R + i: "
        "a ≈ min + (max − min)·byte/255"
    )


class GridAxes(Response):
    x1: OutVector = Field(description="R values of the first input feature (column i)")
    x2: OutVector = Field(description="R values of the second input feature (row j)")


class PredictOut(Response):
    outputs: OutMatrix = Field(description="(points, n_L); for a grid, point p = j*R + i")
    inputs: OutMatrix | None = Field(
        None, description='with "units": "data": the rows as the input layer saw them'
    )
    data_outputs: OutMatrix | None = Field(
        None,
        description='with "units": "data": the outputs in the data\'s units '
        "(output·target_std + target_mean for standardized targets, else the outputs)",
    )
    layers: list[PredictLayer] | None = Field(None, description="every layer's activations (float answer)")
    maps: list[PredictMap] | None = Field(None, description='with "maps": "uint8": every layer\'s maps')
    axes: GridAxes | None = Field(None, description="grid: the points along each input feature")
    x1: OutVector | None = Field(None, description="grid, float answer: the same as axes.x1")
    x2: OutVector | None = Field(None, description="grid, float answer: the same as axes.x2")


class GradcheckIn(Request):
    inputs: Matrix | None = None
    targets: Matrix | None = None
    epsilon: float = Field(1e-6, ge=1e-10, le=1e-2)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{}, {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]}],
            **forbid(case(sent("inputs"), unsent("targets")), case(unsent("inputs"), sent("targets"))),
        }
    )


class GradcheckLayer(Response):
    index: int
    numeric_W: OutMatrix
    backprop_W: OutMatrix
    numeric_b: OutVector
    backprop_b: OutVector
    max_rel_error: float


class GradcheckKink(Response):
    layer: int
    name: Literal["W", "b"]
    index: list[int] = Field(description="[j, i] of a weight, [j] of a bias")


class GradcheckOut(Response):
    max_rel_error: float
    max_abs_error: float
    epsilon: float
    n_parameters: int
    passed: bool = Field(
        description="max_rel_error ≤ tolerance over the entries compared, floor and truncation allowed for"
    )
    tolerance: float
    floor: float = Field(description="the largest absolute error put down to finite-difference rounding")
    loss_rounding: float = Field(description="estimated rounding error of one evaluation of L")
    truncation: float = Field(
        description="the largest truncation error estimated for an entry refined with smaller steps "
        "and Richardson extrapolation (0 when every first central difference agreed)"
    )
    refined: int = Field(
        description="entries compared after refining their first difference (smaller steps, extrapolation)"
    )
    kinks: list[GradcheckKink] = Field(
        description="entries not compared: a relu kink (z = 0) or the L1 penalty's (w = 0) lies within "
        "± the smallest step tried, where a difference measures no derivative"
    )
    unrefined: int = Field(
        description="entries whose first difference disagreed but which the work bound left unrefined "
        "(their first difference is compared as it is)"
    )
    layers: list[GradcheckLayer]
