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
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

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
# Counters an import may carry (epoch, step, update counts): 2^52, so that no later answer
# passes 2^53; at a million updates a second, 2^52 more would take over a century.
MAX_COUNT = 2**52


def _whole(value: object) -> object:
    """JSON's integer is a number without a fractional part: 9.0 is 9 (a string stays one)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_INT:
        return int(value)
    return value


# An integer field of a request: 9 or 9.0, never "9" or true (the models are strict). Written
# `x: Int = Field(ge=…)`, or `Annotated[int, Field(ge=…), WHOLE]` inside a list or a union:
# there the bounds must come before the validator to be documented as minimum and maximum.
WHOLE = BeforeValidator(_whole)
Int = Annotated[int, WHOLE]
Seed = Annotated[int, Field(ge=0, le=MAX_INT), WHOLE]
Number = Annotated[float, Field(ge=-MAX_ABS_VALUE, le=MAX_ABS_VALUE)]
Vector = list[Number]
Matrix = list[list[Number]]
# Exported state may legitimately hold larger (finite) values than a hand-written request.
FiniteVector = list[float]
FiniteMatrix = list[list[float]]
# The largest |θ| an update leaves: its square must still fit float64 (engine.optimizers).
MAX_PARAMETER = 1e154
ParameterValue = Annotated[float, Field(ge=-MAX_PARAMETER, le=MAX_PARAMETER)]
ParameterVector = list[ParameterValue]
ParameterMatrix = list[list[ParameterValue]]
# Responses carry whatever the engine computed (always finite: see app.serialize).
OutVector = list[float]
OutMatrix = list[list[float]]


# Rules between the fields of one body, in JSON Schema: ``forbid(*cases)`` says that none of
# the cases holds, each case saying which fields are sent. Written as one ``not``, which
# validators and fuzzers apply and client generators leave alone (a ``oneOf`` at the top of
# a model reads to them as a union of models).


def sent(name: str, json_type: str = "array") -> dict:
    """The body sends field ``name``, and not as null (its type is ``json_type``)."""
    return {"required": [name], "properties": {name: {"type": json_type}}}


def unsent(name: str, json_type: str = "array") -> dict:
    return {"not": sent(name, json_type)}


def case(*conditions: dict) -> dict:
    return {"allOf": list(conditions)}


def forbid(*cases: dict) -> dict:
    return {"not": {"anyOf": list(cases)}}


def no_nulls(schema: dict) -> None:
    """A model's JSON schema with ``null`` taken out of its properties' choices: for a request
    whose fields may be left out but not sent as null (PATCH: null is refused, not "keep")."""
    for prop in schema.get("properties", {}).values():
        choices = [c for c in prop.get("anyOf", []) if c != {"type": "null"}]
        if "anyOf" in prop and len(choices) == 1:
            del prop["anyOf"]
            prop.update(choices[0])
        elif "anyOf" in prop:
            prop["anyOf"] = choices


class Request(BaseModel):
    # strict: "5" is not an int, false is not a number, "0.5" is not a float (an int is).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class Response(BaseModel):
    model_config = ConfigDict(allow_inf_nan=True)


Units = Literal["network", "data"]
UNITS_DESCRIPTION = (
    "network: rows as the input layer sees them (n_0 columns); data: rows in the data's own units "
    "(its columns before standardizing and engineered features): the server standardizes them with "
    "the network's feature_mean/feature_std, computes its features, and standardizes regression "
    "targets with target_mean/target_std"
)


class ScaleWarning(Response):
    about: Literal["features", "targets"]
    text: str = Field(description="the columns' scale and what it does to training")
    fix: str = Field(description="the upload option that fixes it")
