"""Epochs, training (optionally streamed as server-sent events), stop, predict, gradcheck."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import signal
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, FastAPI
from fastapi.responses import StreamingResponse

from ..deps import ServiceDep
from ..errors import ENGINE_ERRORS, DomainError, code_of, error_body
from ..schemas import (
    ERROR_RESPONSES,
    EmptyIn,
    EpochOut,
    GradcheckIn,
    GradcheckOut,
    PredictIn,
    PredictOut,
    StopOut,
    TrainIn,
    TrainOut,
)
from ..service import Service
from . import resource_router

log = logging.getLogger(__name__)


@asynccontextmanager
async def stop_runs_on_exit(app: FastAPI) -> AsyncIterator[None]:
    """On SIGTERM or Ctrl-C, stop every running train first: uvicorn's graceful shutdown waits
    for open requests, and a run ends after its current epoch, committing what it trained."""
    service: Service = app.state.service
    chained: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():  # a server, not a test client
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: Any, previous: Any = previous) -> None:
                service.shutdown()
                if callable(previous):
                    previous(signum, frame)

            chained[sig] = previous
            signal.signal(sig, handler)
    try:
        yield
    finally:
        service.shutdown()
        for signum, handler_before in chained.items():
            signal.signal(signum, handler_before)


router = resource_router(
    prefix="/api/networks/{network_id}",
    tags=["training"],
    responses=ERROR_RESPONSES,
)

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "JSON, or with `stream: true` a text/event-stream: `event: epoch` per epoch "
        "(data: a history entry), then `event: done` (data: this JSON) or `event: error` "
        '(data: {"detail": ..., "code": ...}).',
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.post("/epoch", response_model=EpochOut)
def epoch(network_id: str, service: ServiceDep, body: Annotated[EmptyIn | None, Body()] = None) -> EpochOut:
    """Finish the current epoch from the data cursor; the step in progress is discarded."""
    return service.epoch(network_id)


@router.post("/train", response_model=TrainOut, responses=STREAM_DOC)
def train(network_id: str, body: TrainIn, service: ServiceDep):
    """Train up to `epochs` epochs, with optional early stopping; `POST .../stop` ends it early."""
    stop = threading.Event()
    if not body.stream:
        return service.train(network_id, body, stop)
    service.check_train(network_id, body)  # 404/413 as a status code, before the stream starts
    return StreamingResponse(
        _stream(service, network_id, body, stop),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _event(kind: str, data: dict) -> str:
    return f"event: {kind}\ndata: {json.dumps(data, allow_nan=False)}\n\n"


async def _stream(
    service: Service, network_id: str, body: TrainIn, stop: threading.Event
) -> AsyncIterator[str]:
    """Train in a worker thread and relay its epochs; a closed connection sets the stop flag."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, dict]] = asyncio.Queue()

    def put(kind: str, data: dict) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, data))

    def work() -> None:
        try:
            result = service.train(network_id, body, stop, on_epoch=lambda entry: put("epoch", entry))
            put("done", TrainOut.model_validate(result).model_dump(mode="json"))
        except (DomainError, *ENGINE_ERRORS) as exc:
            put("error", error_body(getattr(exc, "detail", str(exc)), code_of(exc)))
        except Exception:
            log.exception("training %s failed", network_id)
            put("error", error_body("internal error while training; nothing was saved", "internal_error"))

    # In this request's context: its owner and its ticket at the gate (app/gate.py).
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(work,), name=f"train-{network_id}", daemon=True).start()
    finished = False
    try:
        while True:
            kind, data = await queue.get()
            yield _event(kind, data)
            if kind in ("done", "error"):
                finished = True
                return
    finally:
        if not finished:
            # The client went away: stop after the current epoch; the worker still saves.
            stop.set()


@router.post("/stop", response_model=StopOut)
def stop(network_id: str, service: ServiceDep, body: Annotated[EmptyIn | None, Body()] = None) -> dict:
    """Stop a running train after its current epoch (what it trained so far is kept)."""
    return service.stop(network_id)


@router.post("/predict", response_model=PredictOut)
def predict(network_id: str, body: PredictIn, service: ServiceDep) -> dict:
    """Outputs and every layer's activations for `inputs`, or for a 2-D `grid` (heatmaps)."""
    return service.predict(network_id, body)


@router.post("/gradcheck", response_model=GradcheckOut)
def gradcheck(
    network_id: str, service: ServiceDep, body: Annotated[GradcheckIn | None, Body()] = None
) -> dict:
    """Central finite differences vs backprop for every parameter (`{}`: the batch at the cursor)."""
    return service.gradcheck(network_id, body or GradcheckIn())
