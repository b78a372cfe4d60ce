"""Lesson files: the built-in ones read and write back to the letter; a file's mistakes are each
named with its line; a folder of them joins the server's list (`serve --lessons DIR`), a broken
file listed with its error; `backprop-explorer lessons check FILE` runs one."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from backprop_explorer.app.lessons import BUILTIN_ENTRIES, LESSONS, LessonLibrary
from backprop_explorer.app.lessons.checks import static_problems
from backprop_explorer.app.lessons.library import BUILTIN
from backprop_explorer.app.lessons.reader import LessonFileError, read
from backprop_explorer.app.lessons.runner import LessonRun
from backprop_explorer.app.lessons.schemas import Lesson
from backprop_explorer.app.lessons.writer import write

from .lesson_sample import VALID, broken
from .serving import command, serve


def lines_of(problems) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in problems]


def problems_in(text: str) -> list[tuple[int, str]]:
    try:
        lesson, where = read(text)
    except LessonFileError as exc:
        return lines_of(exc.problems)
    return lines_of(static_problems(lesson, where))


@pytest.mark.parametrize("path", sorted(BUILTIN.glob("*.md")), ids=lambda p: p.stem)
def test_each_built_in_file_reads_and_writes_back_to_the_letter(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    lesson, where = read(text)
    assert static_problems(lesson, where) == []
    assert write(lesson) == text
    assert path.stem == f"{path.stem[:2]}-{lesson.id}"
    served = LESSONS[lesson.id]
    assert [s.model_copy(update={"request": None, "reads": []}) for s in served.steps] == lesson.steps


def test_the_built_in_files_are_the_lessons_in_a_learners_order() -> None:
    numbers = [int(entry_path.stem[:2]) for entry_path in sorted(BUILTIN.glob("*.md"))]
    assert numbers == list(range(1, len(numbers) + 1))
    assert [e.id for e in BUILTIN_ENTRIES] == list(LESSONS)
    assert all(e.source == "built-in" and e.error is None for e in BUILTIN_ENTRIES)


def test_a_valid_file_reads_its_steps_text_and_prediction() -> None:
    lesson, where = read(VALID)
    first, second = lesson.steps
    assert first.action == "forward" and first.target is not None and first.target.kind == "neuron"
    assert (
        first.text
        == "z = w₁x₁ + w₂x₂ + b = {forward.layers[0].z[0][0]}, and a = σ(z) = {forward.layers[0].a[0][0]}."
    )
    assert first.ask is not None and first.ask.choices == ["positive", "negative"]
    assert second.text == "L = {loss.loss}.\n∂L/∂ŷ = {loss.dL_da[0][0]}."  # a backslash ends a line
    assert where.steps[0].fields["Answer"] == 24 and where.steps[1].heading == 27
    assert static_problems(lesson, where) == []


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("id = 1\n", 1, "starts with a '+++' line"),
        (VALID.replace("+++\n\n## 1.", "\n## 1."), 1, "no closing '+++'"),
        (broken('title = "My neuron"', "title = My neuron"), 3, "not valid TOML"),
        (broken('summary = "One', 'colour = "blue"\nsummary = "One'), 4, "unknown front-matter key 'colour'"),
        (broken("action: forward", "action: forwards"), 16, "unknown action 'forwards'"),
        (broken("target: neuron 1 0", "target: neuron one"), 17, "'neuron' takes 2 whole numbers"),
        (broken("target: neuron 1 0", "target: neuron 1 5"), 17, "layer 1 has neurons 0..0, not 5"),
        (broken("target: loss", "target: weight 3 0 0"), 29, "weight layers are 1..1, not 3"),
        (broken("action: loss", "action: loss\nbody: {targets = [[1.0]"), 29, "body is not a TOML value"),
        (broken("Choices: positive | negative", "Choices: positive"), 23, "two or more"),
        (broken("Answer: sign(forward.layers[0].z[0][0])\n", ""), 22, "missing Answer"),
        (broken("Why: w₂x₂", "Why: w₂x₂\n\nstray words"), 27, "text after a prediction"),
        (
            broken("a = σ(z) = {forward.layers[0].a[0][0]}", "a = {forwrd.layers[0].a[0][0]}"),
            20,
            "no answer named 'forwrd'",
        ),
        (broken("L = {loss.loss}", "L = {backward.loss}"), 31, "no answer named 'backward'"),
        (
            broken("Question: Will z", "Question: With {forward.output[0][0]} will z"),
            22,
            "no answer named 'forward'",
        ),
        (broken("L = {loss.loss}", "L = {loss.loss:.3q}"), 31, "unknown format"),
        (broken("L = {loss.loss}", "L = {__import__('os')}"), 31, "only the functions"),
        (broken("action: forward\n", ""), 27, "loss comes after forward (run forward first)"),
        (broken("action: loss", "action: update"), 28, "update comes after backward (run backward first)"),
        (broken("layers = [2, 1]", "layers = [2, 0]"), 7, "network.layers"),
        (broken('id = "my-neuron"', 'id = "My Neuron"'), 2, "lower-case letters, digits and '-'"),
        (broken('title = "My neuron"\n', ""), 1, "the front matter needs title"),
        (broken("## 1. Forward", "Some words\n## 1. Forward"), 15, "text before the first step"),
    ],
)
def test_each_mistake_is_named_with_its_line(text: str, line: int, words: str) -> None:
    found = problems_in(text)
    assert any(n == line and words in message for n, message in found), found


def test_a_lesson_without_steps_or_text_says_so() -> None:
    head = VALID[: VALID.index("## 1.")]
    assert any("at least one step" in m for _, m in problems_in(head))
    assert (15, "the step has no text") in problems_in(head + "## 1. Empty\naction: forward\n")


def write_folder(folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "a-valid.md").write_text(VALID, encoding="utf-8")
    (folder / "b-broken.md").write_text(broken("action: loss", "action: update"), encoding="utf-8")
    (folder / "c-clash.md").write_text(broken('id = "my-neuron"', 'id = "chain-rule"'), encoding="utf-8")
    (folder / "notes.txt").write_text("not a lesson", encoding="utf-8")


def test_a_folder_lists_its_lessons_after_the_built_in_ones_and_broken_files_with_why(tmp_path: Path) -> None:
    write_folder(tmp_path / "lessons")
    library = LessonLibrary(BUILTIN_ENTRIES, tmp_path / "lessons")
    listed = library.summaries()
    assert [x["id"] for x in listed[: len(LESSONS)]] == list(LESSONS)
    mine = listed[len(LESSONS) :]
    assert [(x["id"], x["source"]) for x in mine] == [
        ("my-neuron", "a-valid.md"),
        ("my-neuron", "b-broken.md"),
        ("chain-rule", "c-clash.md"),
    ]
    assert mine[0]["error"] is None and "line 28: action update cannot run here" in mine[1]["error"]
    assert "the id 'chain-rule' is taken" in mine[2]["error"]
    assert library.require("my-neuron").steps[0].request is not None  # filled in as the built-ins
    # A file mended on disk is read again.
    time.sleep(0.01)
    (tmp_path / "lessons" / "b-broken.md").write_text(
        broken('id = "my-neuron"', 'id = "mended"'), encoding="utf-8"
    )
    assert library.entry("mended") is not None and library.entry("mended").error is None


def test_the_server_serves_a_folder_and_a_broken_file_stops_nothing(tmp_path: Path) -> None:
    write_folder(tmp_path / "lessons")
    server = serve(tmp_path, "--lessons", str(tmp_path / "lessons"))
    try:
        with httpx.Client(base_url=server.url, timeout=60) as api:
            listed = api.get("/api/lessons").json()
            assert [x["source"] for x in listed[-3:]] == ["a-valid.md", "b-broken.md", "c-clash.md"]
            broken_one = api.get("/api/lessons/chain-rule")  # the built-in keeps its id
            assert broken_one.status_code == 200 and broken_one.json()["title"] == "The chain rule"
            refused = api.post("/api/lessons/nope/start")
            assert refused.status_code == 404
            page = api.get("/lessons").text
            assert "b-broken.md" in page and "line 28: action update cannot run here" in page

            def call(method: str, path: str, body: dict | None):
                response = api.request(method, path, json=body)
                return response.status_code, response.json()

            lesson = api.get("/api/lessons/my-neuron").json()

            rendered = LessonRun(Lesson.model_validate(lesson), call).run_all()
            assert rendered[0]["ask"]["answer"] == "negative" and "{" not in rendered[1]["text"]
    finally:
        server.stop()


def test_serve_refuses_a_folder_that_is_not_there(tmp_path: Path) -> None:
    result = subprocess.run(
        command("serve", "--lessons", str(tmp_path / "missing"), "--db", str(tmp_path / "x.db")),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode != 0 and "no such folder" in result.stderr


def run_check(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_EXPLORER_")}
    return subprocess.run(
        command("lessons", *args), capture_output=True, text=True, timeout=300, cwd=cwd, env=env
    )


def test_lessons_check_runs_a_file_and_names_each_problem_with_its_line(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text(VALID, encoding="utf-8")
    result = run_check("check", str(good), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{good}: ok" in result.stdout and "2 steps run" in result.stdout
    # Mistakes only a run finds: an answer that is not a choice, a position outside a list.
    wrong = tmp_path / "wrong.md"
    wrong.write_text(broken("Choices: positive | negative", "Choices: positive | zero"), encoding="utf-8")
    outside = tmp_path / "outside.md"
    outside.write_text(broken("{loss.dL_da[0][0]}", "{loss.dL_da[0][4]}"), encoding="utf-8")
    unknown = tmp_path / "unknown.md"
    unknown.write_text(broken("L = {loss.loss}", "L = {backward.loss}"), encoding="utf-8")
    result = run_check("check", str(wrong), str(outside), str(unknown), cwd=tmp_path)
    assert result.returncode == 1
    out = result.stdout
    assert f"{wrong}:24: step 0: the answer 'negative' is not one of the choices" in out
    assert f"{outside}:32: 'loss.dL_da[0][4]': position 4 is outside a list of 1" in out
    assert f"{unknown}:31: unknown placeholder {{backward.loss}}" in out


def test_lessons_show_prints_a_built_in_file(tmp_path: Path) -> None:
    result = run_check("show", "chain-rule", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == (BUILTIN / "03-chain-rule.md").read_text(encoding="utf-8")
    assert run_check("show", "nope", cwd=tmp_path).returncode == 1
