"""Epochs, training runs, history, predict and the gradient check."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from .base import MAX_INT, Matrix, Number, OutMatrix, OutVector, Request, Response
from .networks import NetworkPublic
from .phases import HistoryEntry


class EarlyStopping(Request):
    """Stop after ``patience`` epochs without the monitored loss (validation, else training)
    improving by more than ``min_delta``. ``best`` and ``waited`` carry on the count an earlier
    call answered (its ``early_stopping``): training in short calls then stops where one long
    call would."""

    patience: int = Field(10, ge=1, le=MAX_INT)
    min_delta: float = Field(0.0, ge=0, le=1e6)
    best: float | None = Field(None, description="the lowest monitored loss so far; null: none yet")
    waited: int = Field(0, ge=0, le=MAX_INT, description="epochs since `best` was reached")


class EarlyStoppingCount(Response):
    best: float | None = Field(description="the lowest monitored loss so far (null: no epoch ran)")
    waited: int = Field(description="epochs since it was reached")


class TrainIn(Request):
    epochs: int = Field(ge=1, le=MAX_INT)
    early_stopping: EarlyStopping | None = None
    stream: bool = Field(False, description="text/event-stream: `epoch` events, then `done` or `error`")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"epochs": 100, "early_stopping": {"patience": 10, "min_delta": 0.0001}}]
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
    resolution: int = Field(50, ge=2, le=MAX_INT)
    x1_min: Number | None = Field(None, description="first input feature's lowest grid value")
    x1_max: Number | None = Field(None, description="first input feature's highest grid value")
    x2_min: Number | None = Field(None, description="second input feature's lowest grid value")
    x2_max: Number | None = Field(None, description="second input feature's highest grid value")


class SnapshotRef(Request):
    """One kept timeline snapshot: the state after update ``step`` or after epoch ``epoch``."""

    step: int | None = Field(None, ge=0, le=MAX_INT, description="the state after this update")
    epoch: int | None = Field(None, ge=0, le=MAX_INT, description="the state after this epoch")

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

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"inputs": [[0.05, 0.10]]},
                {"grid": {"resolution": 40}},
                {"grid": {"resolution": 100}, "maps": "uint8"},
                {"grid": {"resolution": 40}, "maps": "uint8", "snapshot": {"epoch": 2}},
            ]
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
        json_schema_extra={"examples": [{}, {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]]}]}
    )


class GradcheckLayer(Response):
    index: int
    numeric_W: OutMatrix
    backprop_W: OutMatrix
    numeric_b: OutVector
    backprop_b: OutVector
    max_rel_error: float


class GradcheckOut(Response):
    max_rel_error: float
    max_abs_error: float
    epsilon: float
    n_parameters: int
    passed: bool = Field(description="max_rel_error ≤ tolerance, the floor taken into account")
    tolerance: float
    floor: float = Field(description="the largest absolute error put down to finite-difference rounding")
    loss_rounding: float = Field(description="estimated rounding error of one evaluation of L")
    layers: list[GradcheckLayer]
