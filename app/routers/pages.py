"""The HTML pages besides `/`: the lessons (`/lessons`, `/lessons/{id}`) and `/compare` (side by side)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..deps import LessonsDep
from ..errors import DomainError, NotFound
from ..page_layout import drawing_height
from ..page_modules import embedded_catalog, imported_by
from . import resource_router

router = resource_router(tags=["pages"], include_in_schema=False)
# The same folder main.py serves the explorer page from.
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")


@router.get("/favicon.ico", status_code=204)
def favicon() -> Response:
    """No icon. The pages declare none (``<link rel="icon" href="data:,">``); a browser showing
    an answer that is not a page (/api/health, /openapi.json) asks for this address, and gets
    "no content" rather than a 404 in its console and in the server's log."""
    return Response(status_code=204)


@router.get("/lessons", response_class=HTMLResponse)
def lesson_list(request: Request, lessons: LessonsDep):
    """Every lesson; a file of the lesson folder that does not load, with why."""
    context = {"version": __version__, "lessons": lessons.summaries()}
    return templates.TemplateResponse(request, "lessons.html", context)


@router.get("/lessons/{lesson_id}", response_class=HTMLResponse)
def lesson_page(request: Request, lesson_id: str, lessons: LessonsDep):
    """The explorer page with the tour of lesson ``lesson_id`` (static/js/tour/). An unknown id
    (404) or a lesson file that does not load (422) is a page saying so, with a link to the
    lessons, for a browser; an API client (no ``text/html`` in its Accept) gets ``{"detail", "code"}``."""
    try:
        lesson = lessons.require(lesson_id)
    except DomainError as err:
        if "text/html" not in request.headers.get("accept", ""):
            raise
        problem, listed = err.detail, []
        if isinstance(err, NotFound):
            # The page lists the lessons as links; the API's detail names their ids in one line.
            problem = f"there is no lesson with id {lesson_id!r}"
            listed = [x for x in lessons.summaries() if x["error"] is None]
        said = {"version": __version__, "problem": problem, "lessons": listed}
        return templates.TemplateResponse(request, "lesson_missing.html", said, status_code=err.status_code)
    # The explorer's modules (main.js), the tour's and the loss landscape's, which the tour loads
    # as it starts.
    tour = imported_by("tour/tour.js") + imported_by("analysis-panel.js")
    modules = dict.fromkeys(imported_by("main.js") + tour)
    entry, later = "main.js", []
    if lesson.steps and not (lesson.steps[0].action or lesson.steps[0].ask):
        # Step 1 runs nothing and asks nothing: lesson.js shows its text with the few modules
        # that takes, then asks for the others (listed in a template) and imports main.js.
        entry = "lesson.js"
        first = imported_by("lesson.js")
        later = [m for m in modules if m not in first]
        modules = dict.fromkeys(first)
    first_target = lesson.steps[0].target if lesson.steps else None
    context = {
        "version": __version__,
        "lesson_id": lesson_id,
        "entry": entry,
        "modules": [m for m in modules if m != entry],
        "later_modules": later,
        # What the first step shows, so the page keeps room for it before the tour starts.
        "drawing_height": drawing_height(lesson.spec["layers"]),
        "lesson_target": first_target.kind if first_target is not None else "",
        "catalog": embedded_catalog(request.app.state.service.limits),
    }
    return templates.TemplateResponse(request, "index.html", context)


COMPARE_MIN, COMPARE_MAX = 2, 4
# Network ids are URL-safe tokens (secrets.token_urlsafe); anything else cannot name one.
NETWORK_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")


def compare_ids(raw: str | None) -> tuple[list[str], str]:
    """The ids of ``?ids=a,b[,…]`` and "", or [] and a sentence saying what is wrong with them."""
    ids = [x.strip() for x in (raw or "").split(",") if x.strip()]
    if not ids:
        return [], "Name the networks to compare: /compare?ids=<id1>,<id2> (2 to 4 ids, comma-separated)."
    if len(ids) < COMPARE_MIN:
        return [], f"Side by side needs at least {COMPARE_MIN} networks; the link names only one ({ids[0]})."
    if len(ids) > COMPARE_MAX:
        return [], f"Side by side shows at most {COMPARE_MAX} networks; the link names {len(ids)}."
    bad = [x for x in ids if not NETWORK_ID.fullmatch(x)]
    if bad:
        return [], f"{bad[0][:40]!r} is not a network id: ids are letters, digits, '-' and '_'."
    if len(set(ids)) != len(ids):
        return [], "The link names the same network twice: name each network once."
    return ids, ""


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, ids: str | None = None):
    """Two to four networks side by side (static/js/compare/); a 400 page saying why for bad ``ids``."""
    found, problem = compare_ids(ids)
    context = {
        "version": __version__,
        "ids": ",".join(found),
        "count": len(found),
        "problem": problem,
        "limit": COMPARE_MAX,
        "modules": imported_by("compare/main.js")[1:],
    }
    return templates.TemplateResponse(request, "compare.html", context, status_code=400 if problem else 200)
