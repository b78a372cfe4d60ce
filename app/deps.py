"""Dependency aliases shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .lessons import LessonLibrary
from .service import Service


async def get_service(request: Request) -> Service:
    # async: a plain attribute read must not cost a trip through the thread pool.
    return request.app.state.service


ServiceDep = Annotated[Service, Depends(get_service)]


async def get_lessons(request: Request) -> LessonLibrary:
    return request.app.state.lessons


LessonsDep = Annotated[LessonLibrary, Depends(get_lessons)]
