"""Generated and uploaded datasets."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from .base import OutMatrix, Response, ScaleWarning, Task
from .networks import CLASSES_RULES, GeneratorData


class PreviewIn(GeneratorData):
    """The ``data`` of a network spec that names a generator, previewed on its own."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"generator": "moons", "n": 200, "noise": 0.1, "seed": 1}],
            **CLASSES_RULES,
        }
    )


class DataOut(Response):
    inputs: OutMatrix = Field(description="what the network sees: the feature columns")
    targets: OutMatrix
    task: Task
    feature_names: list[str]
    target_names: list[str]
    raw_inputs: OutMatrix = Field(
        description="the data's own columns, in its units: standardized features scaled back "
        "(x·feature_std + feature_mean), the (x1, x2) points under engineered features, else inputs; "
        'sent with "units": "data" they give inputs again'
    )
    raw_feature_names: list[str]
    features: list[str] | None = Field(None, description="the engineered features of inputs' columns")
    target_mean: list[float] | None = Field(
        None,
        description="standardized targets: a value in the data's units is value·target_std + target_mean",
    )
    target_std: list[float] | None = None
    feature_mean: list[float] | None = Field(
        None,
        description="standardized features: a value in the data's units is value·feature_std + feature_mean",
    )
    feature_std: list[float] | None = None
    data_warnings: list[ScaleWarning] = Field(
        [], description="data kept at a scale a network will struggle with"
    )
    class_names: list[str] | None = Field(
        None,
        description="classification from labels: the label of each class in output order "
        "(one output: the labels of y = 0 and y = 1)",
    )
    image_shape: list[int] | None = Field(
        None, description="image-like inputs (digits): (rows, columns) of the picture the inputs form"
    )


class NetworkDataOut(DataOut):
    train_indices: list[int]
    val_indices: list[int]


class DatasetInfo(Response):
    dataset_id: str
    file_name: str | None = Field(None, description="the uploaded file's name")
    n_samples: int = Field(description="rows")
    n_features: int = Field(description="feature columns: the input layer's size")
    n_outputs: int = Field(description="target columns as the network sees them: the output layer's size")
    feature_names: list[str]
    target_names: list[str] = Field(description="one per output (a label column's classes: their labels)")
    task: Task
    class_names: list[str] | None = Field(
        None,
        description="a target column of labels: the label of each class in output order "
        "(two classes, one output: the labels of y = 0 and y = 1)",
    )
    index_column: str | None = Field(
        None, description='the first column\'s header when it was left out as an index ("" for no name)'
    )
    warnings: list[str] = Field([], description="what may keep a network from learning these data as sent")
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
    """An upload in a listing: its shape and names, not its rows or the numbers of each column
    (those: GET /api/datasets/{id}). Names are at most max_name_length characters."""

    dataset_id: str
    file_name: str | None = None
    n_samples: int
    n_features: int
    n_outputs: int
    feature_names: list[str]
    target_names: list[str]
    task: Task
    class_names: list[str] | None = None
    index_column: str | None = None
    warnings: list[str] = []
    standardized: bool
    standardized_targets: bool
    created_at: float
    bytes: int = Field(description="what it takes in the store")


class DatasetList(Response):
    datasets: list[DatasetSummary]
    total: int
    limit: int
    offset: int
