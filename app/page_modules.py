"""The ES modules a page's entry module imports, directly or not: the page lists them as
``<link rel="modulepreload">`` so the browser fetches them at once instead of one import level
after another (on a slow link each level costs a round trip)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

JS = Path(__file__).resolve().parents[1] / "static" / "js"
# Static imports only (`import … from "./x.js"`); a dynamic import() is listed by its own entry.
IMPORT = re.compile(r"""^\s*(?:import|export)\s[^;]*?\sfrom\s+["'](\.{1,2}/[^"']+\.js)["']""", re.M)


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
