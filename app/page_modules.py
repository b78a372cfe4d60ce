"""The ES modules a page's entry module imports, directly or not: the page lists them as
``<link rel="modulepreload">`` so the browser fetches them at once instead of one import level
after another (on a slow link each level costs a round trip). The catalog the page's script
asks for first is written into the page too."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from .catalog import catalog as build_catalog
from .config import Limits
from .schemas import Catalog

JS = Path(__file__).resolve().parents[1] / "static" / "js"
# Static imports only (`import … from "./x.js"`, and `import "./x.js"` for its effects); a
# dynamic import() is listed by its own entry.
IMPORT = re.compile(
    r"""^\s*(?:(?:import|export)\s[^;]*?\sfrom\s+|import\s+)["'](\.{1,2}/[^"']+\.js)["']""", re.M
)


@lru_cache(maxsize=8)
def imported_by(entry: str) -> tuple[str, ...]:
    """Paths under static/js/ (``"api.js"``, ``"tour/tour.js"``) that ``entry`` imports, in the
    order first reached, ``entry`` itself first."""
    seen: dict[str, None] = {}
    stack = [(JS / entry).resolve()]
    while stack:
        path = stack.pop()
        key = path.relative_to(JS).as_posix()
        if key in seen or not path.is_file():
            continue
        seen[key] = None
        for target in reversed(IMPORT.findall(path.read_text(encoding="utf-8"))):
            stack.append((path.parent / target).resolve())
    return tuple(seen)


def embedded_catalog(limits: Limits) -> Markup:
    """The catalog (``GET /api/catalog``) as JSON to write inside a page, where its first
    request would otherwise wait for the page's scripts: one round trip fewer before the
    network is drawn. ``<`` is escaped, so no text in it can close the script element."""
    document = Catalog.model_validate(build_catalog(limits)).model_dump(mode="json", by_alias=True)
    return Markup(json.dumps(document, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c"))
