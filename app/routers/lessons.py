"""Lessons: the list, one lesson with its steps, a network to run it on, a step rendered."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Path, status

from ..deps import LessonsDep, ServiceDep
from ..errors import InvalidInput, NotFound
from ..lessons import LESSONS
from ..lessons.placeholders import PlaceholderError
from ..lessons.runner import render_step
from ..lessons.schemas import Lesson, LessonListItem, RenderIn, RenderOut
from ..schemas import ERROR_RESPONSES, EmptyIn, NetworkPublic, NetworkSpec
from . import resource_router

router = resource_router(prefix="/api/lessons", tags=["lessons"], responses=ERROR_RESPONSES)
LessonId = Annotated[
    str, Path(description="a lesson's id, as `GET /api/lessons` lists them", examples=list(LESSONS))
]
StepIndex = Annotated[int, Path(description="the step's position in the lesson, from 0", examples=[0, 2])]


@router.get("", response_model=list[LessonListItem])
def list_lessons(lessons: LessonsDep) -> list[dict]:
    """Every lesson, in the order a learner takes them: the built-in ones, then the server's
    lesson folder's (``serve --lessons DIR``); a file there that does not load is listed with
    its ``error``."""
    return lessons.summaries()


@router.get("/{lesson_id}", response_model=Lesson)
def get_lesson(lesson_id: LessonId, lessons: LessonsDep) -> Lesson:
    """The lesson's network `spec` and its `steps`; each step's `request` is the HTTP request its
    `action` makes on the lesson's network. 422 for a lesson file that does not load."""
    return lessons.require(lesson_id)


@router.post("/{lesson_id}/start", response_model=NetworkPublic, status_code=status.HTTP_201_CREATED)
def start_lesson(
    lesson_id: LessonId,
    service: ServiceDep,
    lessons: LessonsDep,
    body: Annotated[EmptyIn | None, Body()] = None,
) -> dict:
    """A new network built from the lesson's `spec` (the same answer as `POST /api/networks`)."""
    spec = NetworkSpec.model_validate(lessons.require(lesson_id).spec)
    created = service.create(spec, scratch=True)  # kept once its steps change it
    return created if isinstance(created, dict) else created.model_dump(mode="json")


@router.post("/{lesson_id}/steps/{index}/render", response_model=RenderOut)
def render_lesson_step(lesson_id: LessonId, index: StepIndex, body: RenderIn, lessons: LessonsDep) -> dict:
    """The step's text (and prediction) with every placeholder filled from `context`, the
    responses the lesson's actions returned so far; 422 names a placeholder that does not resolve."""
    lesson = lessons.require(lesson_id)
    if not 0 <= index < len(lesson.steps):
        raise NotFound(
            f"lesson {lesson_id!r} has steps 0..{len(lesson.steps) - 1}, not {index}", "lesson_step_not_found"
        )
    try:
        return render_step(lesson.steps[index], index, body.context, body.stage)
    except PlaceholderError as exc:
        raise InvalidInput(f"step {index}: {exc}") from None
