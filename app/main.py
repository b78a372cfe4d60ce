"""Builds the FastAPI application: `uvicorn backprop_explorer.app.main:app`."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from . import __version__, logs, openapi, process  # noqa: F401 - process before anything loads NumPy
from .admission import Admission
from .config import Settings
from .errors import DatabaseUnavailable, Unexpected, install_error_handlers
from .gate import Gate, GateMiddleware
from .lessons import BUILTIN_ENTRIES, LessonLibrary
from .limits import BodyLimit
from .owners import Owners
from .page_layout import EXPLORER_FIRST_LAYERS, drawing_height
from .page_modules import embedded_catalog, imported_by
from .routers import (
    analysis,
    datasets,
    graph,
    lessons,
    meta,
    networks,
    owners,
    pages,
    phases,
    timeline,
    training,
)
from .security import POLICY, Security
from .service import Service
from .store import open_store

ROOT = Path(__file__).resolve().parent.parent
# Responses create_app's GZip middleware leaves uncompressed: the API's JSON and event streams, and
# media that are compressed already.
PLAIN = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/json")
templates = Jinja2Templates(directory=ROOT / "templates")
ROUTERS = (meta, networks, phases, training, datasets, lessons, analysis, graph, timeline, owners, pages)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    # FastAPIOffline serves /docs from files it ships: FastAPI's own page loads them from a CDN.
    # No /redoc: its page still asks Google for fonts.
    app = FastAPIOffline(
        redoc_url=None,
        title="Backprop Explorer",
        version=__version__,
        description="Build a network, set every weight, run forward → loss → backward → update "
        "and read every intermediate number. Arrays are nested lists, batch-first.",
        generate_unique_id_function=openapi.operation_id,
        lifespan=training.stop_runs_on_exit,
    )
    openapi.install(app, settings)
    store = open_store(settings.database, settings.limits)
    app.state.database = store.describe()
    app.state.service = Service(store, settings.limits)
    app.state.gate = Gate(settings.limits)
    app.state.lessons = LessonLibrary(BUILTIN_ENTRIES, settings.lessons_dir)
    # Added from the innermost out. A request meets them in the other order: errors become
    # JSON; Host, Origin and token checks; its owner and what it may see; its network's turn;
    # its body, read within limits; the process-wide gate; then the route, whose page (HTML)
    # is compressed on the way out (JSON answers are left as they are: most are small, and
    # compressing each step's answer costs the step time).
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6, exclude_content_types=PLAIN)
    app.add_middleware(GateMiddleware, gate=app.state.gate)
    app.add_middleware(BodyLimit, limits=settings.limits)
    app.add_middleware(Admission, limits=settings.limits)
    app.add_middleware(Owners, access=settings.access, store=store)
    docs = ("/docs", app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect")
    app.add_middleware(Security, access=settings.access, docs_pages=docs)
    app.add_middleware(Unexpected, headers=Security.security_headers(POLICY))
    logs.install()
    install_error_handlers(app)
    for module in ROUTERS:  # their routes as declared (app/routers/__init__.py says why)
        app.router.routes.extend(module.router.routes)
    # Static files compressed: the page's modules and styles are text (a third of their size).
    app.mount(
        "/static", GZipMiddleware(StaticFiles(directory=ROOT / "static"), minimum_size=1000), name="static"
    )

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request):
        context = {
            "version": __version__,
            "modules": imported_by("main.js")[1:],
            "drawing_height": drawing_height(EXPLORER_FIRST_LAYERS),
            "catalog": embedded_catalog(settings.limits),
        }
        return templates.TemplateResponse(request, "index.html", context)

    return app


def __getattr__(name: str) -> FastAPI:
    # `app` is built on first access (as `uvicorn backprop_explorer.app.main:app` does), so importing
    # create_app — in tests, say — does not open the default database.
    if name == "app":
        try:
            application = create_app(Settings.from_env())
        except (DatabaseUnavailable, ValueError) as exc:  # ValueError: a malformed env setting
            raise SystemExit(f"backprop-explorer: {exc}") from None
        globals()["app"] = application
        # What is alive now (modules, routes, schemas: ~90,000 objects) lives as long as the
        # server: keep it out of the collector's full passes, which a /train's per-update
        # bookkeeping triggers every few thousand updates (~4 ms each time it scanned them).
        gc.freeze()
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
