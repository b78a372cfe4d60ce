"""Lessons: guided paths through backpropagation on a live network.

Each lesson is a file (:mod:`.reader` says how one is written; ``builtin/`` holds the built-in
ones, in the order a learner takes them). ``LESSONS`` maps each built-in lesson's id to its
:class:`~.schemas.Lesson`; a server's :class:`~.library.LessonLibrary` adds a teacher's folder.
:mod:`.runner` says how a step runs and renders, :mod:`.placeholders` how its text quotes the
server's numbers.
"""

from __future__ import annotations

from .library import Entry, LessonLibrary, builtin_entries
from .schemas import Lesson

BUILTIN_ENTRIES = builtin_entries()
_broken = [f"{e.source} {e.id}: {e.error}" for e in BUILTIN_ENTRIES if e.lesson is None]
if _broken:  # a mistake in the package itself: tests/app/test_lessons.py loads every file
    raise RuntimeError("a built-in lesson does not load: " + "; ".join(_broken))
LESSONS: dict[str, Lesson] = {e.id: e.lesson for e in BUILTIN_ENTRIES if e.lesson is not None}

__all__ = ["BUILTIN_ENTRIES", "LESSONS", "Entry", "LessonLibrary"]
