"""Datasets: the generator preview (no network needed) and CSV uploads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status

from ..deps import ServiceDep
from ..schemas import DataOut, DatasetInfo, DatasetOut, PreviewIn

router = APIRouter(prefix="/api/datasets", tags=["datasets"])


@router.post("/preview", response_model=DataOut)
def preview(body: PreviewIn, service: ServiceDep) -> dict:
    """The samples a generator spec produces (the scatter preview)."""
    return service.datasets.dataset_out(service.datasets.generate(body.model_dump(mode="json")))


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
    standardize: Annotated[bool, Form()] = False,
) -> dict:
    """Upload a CSV; a network uses it through `"data": {"dataset_id": ...}`."""
    raw = file.file.read(service.limits.max_upload_bytes + 1)
    return service.datasets.upload(raw, _columns(features), _columns(targets), standardize)


@router.get("/{dataset_id}", response_model=DatasetOut)
def get_dataset(dataset_id: str, service: ServiceDep) -> dict:
    return service.datasets.get(dataset_id)
