"""The analysis routes: the loss landscape over one or two parameters, and each sample's share
of a gradient."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from .base import MAX_INT, WHOLE, Int, OutVector, Request, Response
from .training import SnapshotRef

MAX_LANDSCAPE_POINTS = 101


class ParameterChoice(Request):
    """``W[layer][j][i]`` with ``"index": [j, i]``, or ``b[layer][j]`` with ``"index": [j]``."""

    layer: Int = Field(ge=1, le=MAX_INT, description="1..L, the layer the weight or bias belongs to")
    name: Literal["W", "b"]
    index: list[Annotated[int, Field(ge=0, le=MAX_INT), WHOLE]] = Field(min_length=1, max_length=2)


class LandscapeIn(Request):
    parameters: list[ParameterChoice] = Field(min_length=1, max_length=2)
    radius: float = Field(2.0, gt=0, le=1e3, description="each axis spans value ± radius")
    points: Int = Field(41, ge=2, le=MAX_LANDSCAPE_POINTS, description="per axis")
    data: Literal["train", "batch"] = Field(
        "train", description="train: the training split; batch: the step in progress (after forward)"
    )
    snapshot: SnapshotRef | None = Field(
        None,
        description="around a kept timeline snapshot's parameters instead of the current ones "
        "(nothing is rewound; data 'train' only)",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"parameters": [{"layer": 2, "name": "W", "index": [0, 0]}]},
                {
                    "parameters": [
                        {"layer": 1, "name": "W", "index": [0, 0]},
                        {"layer": 2, "name": "b", "index": [0]},
                    ],
                    "radius": 1.0,
                    "points": 31,
                    "data": "batch",
                },
            ]
        }
    )


class ParameterValue(Response):
    layer: int
    name: Literal["W", "b"]
    index: list[int]
    value: float = Field(description="its current value")


class LandscapeCurrent(Response):
    value: OutVector
    loss: float = Field(description="data loss + penalty at the current parameters")
    gradient: OutVector = Field(description="∂L/∂p of each chosen parameter: the slope of the curve")


class TrajectoryPoint(Response):
    step: int
    value: OutVector
    loss: float


class LandscapeOut(Response):
    parameters: list[ParameterValue]
    axes: list[OutVector] = Field(description="one per parameter: value ± radius, `points` values")
    loss: OutVector | list[OutVector] = Field(
        description="one parameter: [i]; two: [i][j] at axes[0][i], axes[1][j]"
    )
    current: LandscapeCurrent
    trajectory: list[TrajectoryPoint] = Field(
        description="the chosen parameters at the timeline's stored snapshots, oldest first "
        "(a network's first state, which has no loss yet, is left out)"
    )
    data: Literal["train", "batch"]
    n_samples: int = Field(description="samples the loss is averaged over")


class SharesIn(Request):
    layer: Int = Field(ge=1, le=MAX_INT)
    name: Literal["W", "b"]
    index: list[Annotated[int, Field(ge=0, le=MAX_INT), WHOLE]] = Field(min_length=1, max_length=2)

    model_config = ConfigDict(json_schema_extra={"examples": [{"layer": 1, "name": "W", "index": [0, 1]}]})


class SharesOut(Response):
    parameter: ParameterValue
    batch_size: int = Field(description="samples in the batch")
    trace_samples: int = Field(description="per-sample rows below (the first of the batch)")
    cut: bool = Field(description="true when the batch has more samples than the rows below")
    indices: list[int] | None = Field(description="dataset rows of the samples; null for explicit inputs")
    dL_dz: OutVector = Field(description="δ_s of the parameter's neuron per sample (carries the 1/B)")
    a_prev: OutVector = Field(description="the input the weight multiplies, per sample (1 for a bias)")
    terms: OutVector = Field(description="δ_s · a_prev,s: each sample's share of ∂L/∂p")
    sum_of_terms: float = Field(description="over every sample of the batch, shown or not")
    penalty_gradient: float = Field(description="the regularization's ∂penalty/∂p (0 for a bias)")
    gradient: float = Field(description="∂L/∂p of the backward pass: sum_of_terms + penalty_gradient")
