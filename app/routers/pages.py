"""The lesson pages: the list at `/lessons`, and `/lessons/{id}`, the explorer page with its tour."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..errors import NotFound
from ..lessons import LESSONS

router = APIRouter(tags=["pages"], include_in_schema=False)
# The same folder main.py serves the explorer page from.
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")


@router.get("/lessons", response_class=HTMLResponse)
def lesson_list(request: Request):
    lessons = [{"id": x.id, "title": x.title, "summary": x.summary} for x in LESSONS.values()]
    return templates.TemplateResponse(request, "lessons.html", {"version": __version__, "lessons": lessons})


@router.get("/lessons/{lesson_id}", response_class=HTMLResponse)
def lesson_page(request: Request, lesson_id: str):
    """The explorer page with the tour of lesson ``lesson_id`` (static/js/tour/)."""
    if lesson_id not in LESSONS:
        raise NotFound(f"no lesson with id {lesson_id!r}; the lessons are {list(LESSONS)}")
    return templates.TemplateResponse(request, "index.html", {"version": __version__, "lesson_id": lesson_id})
