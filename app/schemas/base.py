"""Shared pieces of the wire format: request/response bases, number types, registry enums."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from backprop_explorer.engine import (
    ACTIVATIONS,
    GENERATORS,
    INITIALIZERS,
    LOSSES,
    OPTIMIZERS,
    REGULARIZATIONS,
)
from backprop_explorer.engine.features import FEATURES
from pydantic import BaseModel, ConfigDict, Field

from ..realdata import REAL_DATASETS

# Built from the engine's registries so the enums in /docs are the names the engine accepts.
if TYPE_CHECKING:  # a Literal built at run time is not a static type: names are strings
    ActivationName: TypeAlias = str
    LossName: TypeAlias = str
    OptimizerName: TypeAlias = str
    InitName: TypeAlias = str
    RegularizationKind: TypeAlias = str
    GeneratorName: TypeAlias = str
    FeatureName: TypeAlias = str
else:
    ActivationName = Literal[tuple(ACTIVATIONS)]
    LossName = Literal[tuple(LOSSES)]
    OptimizerName = Literal[tuple(OPTIMIZERS)]
    InitName = Literal[tuple(INITIALIZERS)]
    RegularizationKind = Literal[tuple(REGULARIZATIONS)]
    GeneratorName = Literal[tuple(GENERATORS) + tuple(REAL_DATASETS)]  # real data by name too
    FeatureName = Literal[tuple(FEATURES)]
Phase = Literal["ready", "forward", "loss", "backward", "update"]
Task = Literal["binary", "multiclass", "regression"]

# Large enough for raw CSV columns such as prices; small enough that a few layers of
# products stay far from float64 overflow.
MAX_ABS_VALUE = 1e9
# Every integer a request carries fits a JSON number exactly (and SQLite's INTEGER).
MAX_INT = 2**53
Seed = Annotated[int, Field(ge=0, le=MAX_INT)]
Number = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
Vector = list[Number]
Matrix = list[list[Number]]
# Exported state may legitimately hold larger (finite) values than a hand-written request.
FiniteVector = list[float]
FiniteMatrix = list[list[float]]
# Responses carry whatever the engine computed (always finite: see app.serialize).
OutVector = list[float]
OutMatrix = list[list[float]]


class Request(BaseModel):
    # strict: "5" is not an int, false is not a number, "0.5" is not a float (an int is).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class Response(BaseModel):
    model_config = ConfigDict(allow_inf_nan=True)
