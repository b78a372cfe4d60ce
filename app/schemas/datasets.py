"""Generated and uploaded datasets."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from .base import OutMatrix, Response, Task
from .networks import GeneratorData


class PreviewIn(GeneratorData):
    """The ``data`` of a network spec that names a generator, previewed on its own."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"generator": "moons", "n": 200, "noise": 0.1, "seed": 1}]}
    )


class DataOut(Response):
    inputs: OutMatrix = Field(description="what the network sees: the feature columns")
    targets: OutMatrix
    task: Task
    feature_names: list[str]
    target_names: list[str]
    raw_inputs: OutMatrix = Field(
        description="the data's own columns before engineered features (the same as inputs without)"
    )
    raw_feature_names: list[str]
    features: list[str] | None = Field(None, description="the engineered features of inputs' columns")
    target_mean: list[float] | None = Field(
        None,
        description="standardized targets: a value in the data's units is value·target_std + target_mean",
    )
    target_std: list[float] | None = None


class NetworkDataOut(DataOut):
    train_indices: list[int]
    val_indices: list[int]


class DatasetInfo(Response):
    dataset_id: str
    n_samples: int
    feature_names: list[str]
    target_names: list[str]
    task: Task
    standardized: bool = Field(False, description="the feature columns were standardized")
    means: list[float] | None = Field(None, description="feature column means removed when standardized")
    stds: list[float] | None = Field(None, description="feature column stds divided out when standardized")
    standardized_targets: bool = Field(False, description="the (regression) targets were standardized")
    target_mean: list[float] | None = Field(
        None,
        description="standardized targets: a value in the data's units is value·target_std + target_mean",
    )
    target_std: list[float] | None = None


class DatasetOut(DatasetInfo):
    inputs: OutMatrix
    targets: OutMatrix


class DatasetSummary(Response):
    """An upload in a listing: its counts, not its columns (those: GET /api/datasets/{id})."""

    dataset_id: str
    n_samples: int
    n_features: int
    n_targets: int
    task: Task
    standardized: bool
    standardized_targets: bool
    created_at: float
    bytes: int = Field(description="what it takes in the store")


class DatasetList(Response):
    datasets: list[DatasetSummary]
    total: int
    limit: int
    offset: int
