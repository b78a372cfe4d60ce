"""The lessons a server offers: the built-in lesson files, then a teacher's folder of them.

Each file is read and checked (:mod:`.reader`, :mod:`.checks`) as it loads. A file that does
not pass stays in the list with its problems, so the teacher sees what to mend, and the
server goes on serving the others. A folder is read again when one of its files changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput, NotFound
from .checks import static_problems
from .reader import LessonFileError, Problem, read
from .runner import filled_in
from .schemas import Lesson

BUILTIN = Path(__file__).resolve().parent / "builtin"
SUFFIX = ".md"


@dataclass
class Entry:
    """One lesson file: its lesson, or the problems that keep it from being one."""

    id: str
    title: str
    summary: str
    source: str  # "built-in", or the file's name in the teacher's folder
    lesson: Lesson | None
    problems: list[Problem]

    @property
    def error(self) -> str | None:
        return "\n".join(str(p) for p in self.problems) or None


def load_file(path: Path, source: str) -> Entry:
    """The lesson in ``path``, checked; never raises for what the file holds."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Entry(path.stem, path.name, "", source, None, [Problem(0, f"cannot read the file: {exc}")])
    try:
        lesson, where = read(text)
    except LessonFileError as exc:
        return Entry(path.stem, path.name, "", source, None, exc.problems)
    problems = static_problems(lesson, where)
    if problems:
        return Entry(lesson.id, lesson.title, lesson.summary, source, None, problems)
    steps = [filled_in(step) for step in lesson.steps]
    return Entry(
        lesson.id, lesson.title, lesson.summary, source, lesson.model_copy(update={"steps": steps}), []
    )


def builtin_entries() -> list[Entry]:
    return [load_file(path, "built-in") for path in sorted(BUILTIN.glob("*" + SUFFIX))]


class LessonLibrary:
    """The built-in lessons, then ``folder``'s (by file name); ``folder`` None for none."""

    def __init__(self, builtins: list[Entry], folder: Path | None = None) -> None:
        self.builtins, self.folder = builtins, folder
        self._seen: dict[Path, int] | None = None  # each file's modification time when last read
        self._folder_entries: list[Entry] = []
        self._sync()

    def _sync(self) -> None:
        """Read the folder again when a file was added, removed or changed since last time."""
        if self.folder is None:
            return
        try:
            paths = sorted(self.folder.glob("*" + SUFFIX))
            seen = {path: path.stat().st_mtime_ns for path in paths}
        except OSError as exc:
            self._seen = None
            self._folder_entries = [
                Entry(
                    self.folder.name,
                    str(self.folder),
                    "",
                    str(self.folder),
                    None,
                    [Problem(0, f"cannot read the folder: {exc}")],
                )
            ]
            return
        if seen == self._seen:
            return
        self._seen = seen
        taken = {entry.id for entry in self.builtins}
        entries = []
        for path in paths:
            entry = load_file(path, path.name)
            if entry.id in taken:
                clash = Problem(0, f"the id {entry.id!r} is taken by another lesson: give this one its own")
                entry = Entry(
                    entry.id, entry.title, entry.summary, entry.source, None, [clash, *entry.problems]
                )
            taken.add(entry.id)
            entries.append(entry)
        self._folder_entries = entries

    def entries(self) -> list[Entry]:
        self._sync()
        return [*self.builtins, *self._folder_entries]

    def entry(self, lesson_id: str) -> Entry | None:
        return next((e for e in self.entries() if e.id == lesson_id), None)

    def lessons(self) -> dict[str, Lesson]:
        """The lessons that load, by id, in the order a learner takes them."""
        return {e.id: e.lesson for e in self.entries() if e.lesson is not None}

    def summaries(self) -> list[dict]:
        """The list as GET /api/lessons gives it: every lesson, then every file that does not load."""
        return [
            {"id": e.id, "title": e.title, "summary": e.summary, "source": e.source, "error": e.error}
            for e in self.entries()
        ]

    def require(self, lesson_id: str) -> Lesson:
        """The lesson ``lesson_id``: NotFound for an unknown id, InvalidInput (with its problems)
        for a lesson file that does not load."""
        entry = self.entry(lesson_id)
        if entry is None:
            raise NotFound(
                f"no lesson with id {lesson_id!r}; the lessons are {list(self.lessons())}", "lesson_not_found"
            )
        if entry.lesson is None:
            raise InvalidInput(
                f"the lesson file {entry.source} does not load: {entry.error}", "lesson_broken"
            )
        return entry.lesson
