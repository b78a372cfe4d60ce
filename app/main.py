"""Builds the FastAPI application: `uvicorn backprop_explorer.app.main:app`."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from fastapi_offline import FastAPIOffline

from . import __version__
from .config import Settings
from .errors import install_error_handlers
from .limits import BodyLimit
from .routers import datasets, meta, networks, phases, training
from .security import Security
from .service import Service
from .store import Store

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=ROOT / "templates")


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
    )
    app.state.service = Service(Store(settings.db_path), settings.limits)
    app.add_middleware(BodyLimit, limits=settings.limits)
    # Added last, so it runs first: refused requests never reach the body limit or a route.
    docs = ("/docs", app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect")
    app.add_middleware(Security, access=settings.access, docs_pages=docs)
    install_error_handlers(app)
    for module in (meta, networks, phases, training, datasets):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request):
        return templates.TemplateResponse(request, "index.html", {"version": __version__})

    return app


def __getattr__(name: str) -> FastAPI:
    # `app` is built on first access (as `uvicorn backprop_explorer.app.main:app` does), so importing
    # create_app — in tests, say — does not open the default database.
    if name == "app":
        globals()["app"] = application = create_app()
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
