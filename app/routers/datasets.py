"""Datasets: the generator preview (no network needed); CSV uploads, listed and deleted."""

from __future__ import annotations

from pathlib import PureWindowsPath
from typing import Annotated

from fastapi import File, Form, Query, Response, UploadFile, status
from pydantic import BeforeValidator

from .. import owners
from ..csvdata import IndexChoice, TaskChoice
from ..deps import ServiceDep
from ..schemas import ERROR_RESPONSES, DataOut, DatasetInfo, DatasetList, DatasetOut, PreviewIn
from . import resource_router

router = resource_router(prefix="/api/datasets", tags=["datasets"], responses=ERROR_RESPONSES)


@router.post("/preview", response_model=DataOut)
def preview(body: PreviewIn, service: ServiceDep) -> dict:
    """The samples a generator spec produces (the scatter preview)."""
    return service.datasets.dataset_out(service.datasets.generate(body.model_dump(mode="json")))


def _form_bool(value: object) -> object:
    """A form's boolean as the schema documents it: the text true or false (FastAPI alone would
    also take 1, on, yes…)."""
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value == "true" if isinstance(value, str) else value


FormBool = Annotated[bool, BeforeValidator(_form_bool)]


def _columns(value: str | None) -> list[str] | None:
    names = [n.strip() for n in (value or "").split(",") if n.strip()]
    return names or None


UPLOAD_EXAMPLE = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "example": {
                    "file": "size,rooms,price\n50,2,100\n80,3,160\n",
                    "features": "size,rooms",
                    "targets": "price",
                    "standardize": True,
                    "task": "auto",
                    "index_column": "auto",
                }
            }
        }
    }
}


@router.post(
    "",
    response_model=DatasetInfo,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=UPLOAD_EXAMPLE,
)
def upload(
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="CSV with a header row")],
    features: Annotated[str | None, Form(description="comma-separated; default all but the targets")] = None,
    targets: Annotated[str | None, Form(description="comma-separated; default the last column")] = None,
    standardize: Annotated[
        FormBool,
        Form(description="scale each feature column to mean 0, std 1; the answer keeps means, stds"),
    ] = True,
    standardize_targets: Annotated[
        FormBool, Form(description="scale real-valued targets too; the answer keeps target_mean, target_std")
    ] = False,
    task: Annotated[
        TaskChoice,
        Form(
            description="auto: one target column of strings, or of integers 0…K−1 or 1…K (K ≤ 20), "
            "holds class labels, other numbers are regression; classification or regression forces it"
        ),
    ] = "auto",
    index_column: Annotated[
        IndexChoice,
        Form(
            description="auto: leave out a first column with no name (an index, as pandas writes); "
            "ignore: leave out the first column whatever its name; keep: use it"
        ),
    ] = "auto",
) -> dict:
    """Upload a CSV; a network uses it through `"data": {"dataset_id": ...}`."""
    raw = file.file.read(service.limits.max_upload_bytes + 1)
    # The file's own name, without a folder (PureWindowsPath splits at both / and \\).
    name = PureWindowsPath(file.filename or "").name[:200] or None
    return service.datasets.upload(
        raw,
        _columns(features),
        _columns(targets),
        standardize,
        standardize_targets,
        task=task,
        index_column=index_column,
        file_name=name,
    )


@router.get("", response_model=DatasetList)
def list_datasets(
    service: ServiceDep,
    limit: Annotated[int, Query(ge=1, le=100, description="datasets per page")] = 20,
    offset: Annotated[int, Query(ge=0, le=2**53, description="datasets to skip, oldest first")] = 0,
) -> dict:
    """Your uploaded datasets (the teacher: everyone's), oldest first, with their file name, shape
    and column names, not their rows or each column's numbers (`GET /api/datasets/{id}` has
    those); `total` counts them all."""
    return service.datasets.page(limit, offset, owners.current().listing_owner)


@router.get("/{dataset_id}", response_model=DatasetOut)
def get_dataset(dataset_id: str, service: ServiceDep) -> dict:
    return service.datasets.get(dataset_id)


@router.delete("/{dataset_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_dataset(dataset_id: str, service: ServiceDep) -> Response:
    """Delete an uploaded dataset: 409 while a network uses it (delete those first)."""
    service.datasets.delete(dataset_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
