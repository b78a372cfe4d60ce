"""``backprop-explorer lessons check FILE…`` and ``lessons show ID``.

``check`` reads a lesson file, checks it without running it (:mod:`.checks`), then runs it on
a server of its own (in this process, on a temporary database) through the ordinary
endpoints, rendering every step before and after its action as the tour does. It reports
each problem as ``FILE:LINE: message``: a file that is not a lesson, an unknown placeholder,
an action that cannot run (refused by the server, or out of the phases' order), a placeholder
that does not resolve against the real answers, an answer that is not one of its choices.
``show`` prints a built-in lesson's file, a start for one of your own.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .checks import line_of_message, static_problems
from .library import BUILTIN, SUFFIX
from .placeholders import PlaceholderError
from .reader import LessonFileError, Problem, Where, read
from .runner import LessonRun, StepFailed
from .schemas import Lesson


def add_parser(sub: argparse._SubParsersAction) -> None:
    lessons = sub.add_parser("lessons", help="check a lesson file, or print a built-in one")
    commands = lessons.add_subparsers(dest="lessons_command", required=True)
    check = commands.add_parser("check", help="validate lesson files and run each one on a scratch server")
    check.add_argument("files", nargs="+", metavar="FILE")
    show = commands.add_parser("show", help="print a built-in lesson's file (a start for your own)")
    show.add_argument("lesson_id", metavar="ID")


def main(args: argparse.Namespace) -> int:
    if args.lessons_command == "show":
        path = next(
            (p for p in sorted(BUILTIN.glob("*" + SUFFIX)) if p.stem.split("-", 1)[-1] == args.lesson_id),
            None,
        )
        if path is None:
            ids = [p.stem.split("-", 1)[-1] for p in sorted(BUILTIN.glob("*" + SUFFIX))]
            print(f"no built-in lesson {args.lesson_id!r}; they are {', '.join(ids)}", file=sys.stderr)
            return 1
        sys.stdout.write(path.read_text(encoding="utf-8"))
        return 0
    failed = 0
    for name in args.files:
        lesson, problems = check_file(Path(name))
        for problem in problems:
            print(
                f"{name}:{problem.line}: {problem.message}" if problem.line else f"{name}: {problem.message}"
            )
        if problems:
            failed += 1
        else:
            assert lesson is not None
            print(
                f"{name}: ok — {lesson.id!r}, {len(lesson.steps)} steps run on a scratch server: every "
                "action ran, every placeholder resolved, every answer is one of its choices"
            )
    return 1 if failed else 0


def check_file(path: Path) -> tuple[Lesson | None, list[Problem]]:
    """The lesson in ``path`` and every problem found, reading it and then running it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(0, f"cannot read the file: {exc}")]
    try:
        lesson, where = read(text)
    except LessonFileError as exc:
        return None, exc.problems
    problems = static_problems(lesson, where)
    if problems:
        return lesson, problems
    return lesson, run_problems(path, lesson, where)


def run_problems(path: Path, lesson: Lesson, where: Where) -> list[Problem]:
    """Run ``lesson`` (from ``path``) step by step on a scratch server; the first problem met."""
    with warnings.catch_warnings():  # starlette's note on httpx, meant for test suites
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from ..config import Settings
    from ..main import create_app

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "lessons"
        folder.mkdir()
        shutil.copy(path, folder / path.name)
        settings = Settings(Path(tmp) / "check.db", lessons_dir=folder)
        with TestClient(create_app(settings)) as client:

            def call(method: str, url: str, body: dict | None) -> tuple[int, Any]:
                response = client.request(method, url, json=body)
                return response.status_code, response.json()

            served = client.get(f"/api/lessons/{lesson.id}")
            if served.status_code != 200:
                return [Problem(0, f"the server does not load it: {served.json().get('detail')}")]
            run = LessonRun(Lesson.model_validate(served.json()), call)
            try:
                run.start()
            except StepFailed as exc:
                return [Problem(where.network, f"the network does not build: {_detail(exc.answer)}")]
            for index, step in enumerate(lesson.steps):
                try:
                    run.run_step(index)
                except StepFailed as exc:
                    line = where.steps[index].of("action")
                    return [
                        Problem(
                            line, f"action {step.action} could not run ({exc.status}): {_detail(exc.answer)}"
                        )
                    ]
                except PlaceholderError as exc:
                    return [Problem(line_of_message(where, index, str(exc), "text"), str(exc))]
    return []


def _detail(answer: Any) -> str:
    return str(answer.get("detail", answer)) if isinstance(answer, dict) else str(answer)
