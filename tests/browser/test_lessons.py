"""The lesson tour at /lessons/<id>: the server's own text on the live explorer page, predictions
judged, progress in the URL, keyboard use, leaving the tour, and every lesson walked to its end."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from backprop_explorer.app.lessons import LESSONS
from backprop_explorer.app.lessons.placeholders import evaluate, reads
from backprop_explorer.app.lessons.runner import LessonRun

from .conftest import UI

STAGE = "() => ['ask', 'shown', 'failed', 'finished'].includes(document.body.dataset.tourStage)"
AT_STEP = "n => (document.querySelector('[data-tour-progress]').textContent || '').startsWith(`Step ${n} `)"


def reference(server: str, lesson_id: str) -> list[dict]:
    """The lesson walked over plain HTTP on its own network: each step as the server renders it."""
    with httpx.Client(base_url=server, timeout=120) as api:

        def call(method, path, body):
            r = api.request(method, path, json=body)
            return r.status_code, r.json()

        return LessonRun(LESSONS[lesson_id], call).run_all()


def open_lesson(ui: UI, lesson_id: str, step: int | None = None) -> None:
    ui.page.goto(f"{ui.base}/lessons/{lesson_id}" + (f"#step={step}" if step else ""))
    ui.page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    ui.set_speed("max")
    wait_stage(ui)


def wait_stage(ui: UI) -> str:
    ui.page.wait_for_function(STAGE, timeout=120_000)
    stage = ui.page.evaluate("() => document.body.dataset.tourStage")
    assert stage != "failed", ui.page.locator("[data-tour-error]").text_content()
    return stage


def tour_text(ui: UI) -> str:
    return ui.page.locator("[data-tour-text]").text_content() or ""


def answer(ui: UI, choice: str) -> str:
    """Pick `choice` at a prediction; the step's text once its action ran."""
    assert ui.page.evaluate("() => document.body.dataset.tourStage") == "ask"
    assert ui.page.locator("[data-tour-next]").is_disabled()  # the question comes first
    assert tour_text(ui) == ""
    ui.page.locator(f'[data-tour-choices] button[data-choice="{choice}"]').click()
    assert wait_stage(ui) == "shown"
    return tour_text(ui)


def advance(ui: UI) -> None:
    ui.page.locator("[data-tour-next]").click()
    wait_stage(ui)


def progress(ui: UI) -> str:
    return ui.page.locator("[data-tour-progress]").text_content() or ""


def test_worked_example_shows_the_servers_figures_and_judges_predictions(
    ui: UI, live_server, tmp_path: Path
) -> None:
    expected = reference(str(live_server), "worked-example")
    steps = LESSONS["worked-example"].steps
    asks = [k for k, s in enumerate(steps) if s.ask]
    assert len(asks) >= 2
    sent: list[tuple[str, int]] = []
    ui.on(
        "request",
        lambda r: sent.append((r.url, len(r.post_data_buffer or b""))) if r.url.endswith("/render") else None,
    )
    open_lesson(ui, "worked-example")
    assert ui.page.locator("[data-tour-title]").text_content() == LESSONS["worked-example"].title
    shown: list[str] = []
    for k, step in enumerate(steps):
        assert progress(ui) == f"Step {k + 1} of {len(steps)}"
        assert ui.page.evaluate("() => location.hash") == f"#step={k + 1}"
        if step.ask:
            right = expected[k]["ask"]["answer"]
            wrong = next(c for c in step.ask.choices if c != right)
            pick = right if k == asks[0] else wrong
            text = answer(ui, pick)
            verdict = ui.page.locator("[data-tour-verdict]")
            why = expected[k]["ask"]["why"]
            if pick == right:
                assert verdict.get_attribute("data-result") == "right"
                assert verdict.text_content() == f"Right: {right}. {why}"
            else:
                assert verdict.get_attribute("data-result") == "wrong"
                assert verdict.text_content() == f"Not quite: you said {wrong}, it is {right}. {why}"
            assert ui.page.locator(f'[data-choice="{right}"]').get_attribute("class") == "answer"
        else:
            text = tour_text(ui)
        assert text == expected[k]["text"]
        shown.append(text)
        if k == asks[0]:
            shots = Path(os.environ.get("TOUR_SCREENSHOTS", tmp_path))
            shots.mkdir(parents=True, exist_ok=True)
            ui.page.screenshot(path=str(shots / "tour-1280.png"), full_page=False)
        if k + 1 < len(steps):
            advance(ui)
    page_text = "\n".join(shown)
    # The published figures of the worked example, as the server rendered them on the page.
    assert "0.298371109" in page_text
    assert "0.35891648" in page_text
    advance(ui)  # Finish
    assert ui.page.evaluate("() => document.body.dataset.tourStage") == "finished"
    # Only the numbers a step's text reads are sent to be rendered: the last step's train answer
    # (9999 epochs of history, about 1.7 MB) is cut down to the last loss and the step count.
    assert sent and sent[-1][0].endswith(f"/steps/{len(steps) - 1}/render")
    assert max(size for _, size in sent) < 1000, sent
    # docs/lessons.md quotes the last request's size.
    docs = (Path(__file__).resolve().parents[2] / "docs" / "lessons.md").read_text(encoding="utf-8")
    assert f"sends {sent[-1][1]} bytes instead of" in docs, sent[-1]
    ui.assert_no_console_errors()


def test_back_shows_the_step_again_without_running_it(ui: UI) -> None:
    open_lesson(ui, "one-neuron")
    first = tour_text(ui)
    advance(ui)  # step 2 asks before its forward pass
    assert ui.page.evaluate("() => document.body.dataset.tourStage") == "ask"
    ui.page.locator("[data-tour-back]").click()
    # The panel redraws asynchronously: wait for step 1 before reading it.
    ui.page.wait_for_function(
        "() => (document.querySelector('[data-tour-progress]').textContent || '').startsWith('Step 1 ')"
    )
    wait_stage(ui)
    assert tour_text(ui) == first
    assert ui.page.locator("[data-tour-back]").is_disabled()
    ui.page.locator("[data-tour-next]").click()
    ui.page.wait_for_function("() => document.body.dataset.tourStage === 'ask'")
    assert ui.state("s.trace") is None  # the forward pass waits for the prediction


def test_keyboard_walks_the_tour(ui: UI) -> None:
    open_lesson(ui, "one-neuron")
    ui.page.keyboard.press("ArrowRight")
    wait_stage(ui)
    assert progress(ui).startswith("Step 2 ")
    # The question has the focus, not a choice: a key meant as "next" answers nothing.
    assert ui.page.evaluate("() => document.activeElement.hasAttribute('data-tour-question')")
    ui.page.keyboard.press("2")  # the second choice
    assert wait_stage(ui) == "shown"
    assert ui.page.locator("[data-tour-verdict]").get_attribute("data-result") in ("right", "wrong")
    # The forward pass ran through the page's own action: the drawing holds its trace.
    assert ui.state("s.trace.forward.layers.length") == 1
    assert ui.page.evaluate("() => document.activeElement.hasAttribute('data-tour-next')")
    ui.page.keyboard.press("Enter")
    wait_stage(ui)
    assert progress(ui).startswith("Step 3 ")
    ui.page.keyboard.press("ArrowLeft")
    assert progress(ui).startswith("Step 2 ")
    # A step typed into the address bar: one that ran is shown again; one not reached yet is refused.
    ui.page.evaluate("() => { location.hash = '#step=1'; }")
    ui.page.wait_for_function(
        "() => document.querySelector('[data-tour-progress]').textContent.startsWith('Step 1 ')"
    )
    ui.page.evaluate("() => { location.hash = '#step=6'; }")
    ui.page.wait_for_function("() => location.hash === '#step=1'")
    assert progress(ui).startswith("Step 1 ")
    ui.assert_no_console_errors()


def test_space_and_the_page_shortcuts_operate_the_tour_not_the_network(ui: UI) -> None:
    open_lesson(ui, "one-neuron")
    assert ui.page.evaluate("() => document.activeElement.hasAttribute('data-tour-next')")
    ui.page.evaluate("() => document.activeElement.blur()")
    ui.page.keyboard.press(" ")  # Next, not Play
    ui.page.wait_for_function(AT_STEP, arg=2)
    assert wait_stage(ui) == "ask"
    assert ui.state("s.playing") is False and ui.state("s.network.step") == 0
    # F would run the forward pass under the open question: it does nothing and says why.
    ui.page.keyboard.press("f")
    assert ui.state("s.trace") is None
    assert "Next runs each step" in (ui.page.locator("[data-tour-hint]").text_content() or "")
    # Space on a choice the learner moved to (Tab) picks it, as a click would.
    first = LESSONS["one-neuron"].steps[1].ask.choices[0]
    assert ui.page.evaluate("() => document.activeElement.hasAttribute('data-tour-question')")
    ui.page.keyboard.press("Tab")
    assert ui.page.evaluate("() => document.activeElement.dataset.choice") == first
    ui.page.keyboard.press(" ")
    ui.page.wait_for_function("() => document.body.dataset.tourStage !== 'ask'")
    assert wait_stage(ui) == "shown"
    assert ui.page.locator(f'[data-tour-choices] button[data-choice="{first}"]').get_attribute("class") in (
        "answer",
        "wrong",
    )
    assert ui.state("s.playing") is False and ui.state("s.trace.forward.layers.length") == 1
    # Space on Next (focused after the answer) goes on once; the hint is back.
    ui.page.keyboard.press(" ")
    ui.page.wait_for_function(AT_STEP, arg=3)
    wait_stage(ui)
    assert progress(ui).startswith("Step 3 ")  # once, not twice
    assert ui.page.locator("[data-tour-hint]").text_content() == "Enter, Space or → next · ← back"
    assert ui.state("s.playing") is False and ui.state("s.network.step") == 0
    # Left, the tour hands the keys back to the page.
    ui.page.locator("[data-tour-leave]").click()
    ui.page.evaluate("() => document.activeElement.blur()")
    ui.page.keyboard.press("l")
    ui.idle()
    ui.page.wait_for_function("() => window.backpropExplorer.getState().trace?.loss != null")
    ui.assert_no_console_errors()


def test_a_link_to_a_step_rebuilds_the_network_and_resumes(ui: UI, live_server) -> None:
    expected = reference(str(live_server), "worked-example")
    steps = LESSONS["worked-example"].steps
    k = next(k for k, s in enumerate(steps) if s.action == "update")  # asks: which way w5 moves
    open_lesson(ui, "worked-example", step=k + 1)
    assert progress(ui) == f"Step {k + 1} of {len(steps)}"
    assert ui.page.evaluate("() => document.body.dataset.tourStage") == "ask"
    text = answer(ui, expected[k]["ask"]["answer"])
    assert text == expected[k]["text"]
    assert "0.35891648" in text
    # The update ran on the page's network, replayed from the lesson's start.
    assert ui.state("s.network.step") == 1


def test_a_target_out_of_view_gets_a_button_that_shows_it(ui: UI) -> None:
    steps = LESSONS["vanishing-gradients"].steps
    k = next(
        k for k, s in enumerate(steps) if s.target and s.target.kind == "plot" and s.action == "backward"
    )
    open_lesson(ui, "vanishing-gradients", step=k + 1)
    answer(ui, steps[k].ask.choices[0])
    plot_top = "() => document.querySelector('[data-plot=grads]').getBoundingClientRect().top"
    assert ui.page.evaluate(plot_top) > ui.page.viewport_size["height"]  # below the fold at 1280 × 800
    where = ui.page.locator("[data-tour-where]")
    assert where.is_visible() and where.text_content() == "Show: the gradient norms ↓"
    # The button fits its panel: the page is no wider than the window.
    assert ui.page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    where.click()
    in_view = (
        "() => { const r = document.querySelector('[data-plot=grads]').getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight; }"
    )
    ui.page.wait_for_function(in_view)
    # The computational graph, now on screen in the column beside it, is drawn and grows by some
    # 500 px: the plot stays where the button brought it.
    ui.page.locator("[data-graph-plot] svg.graph-svg").wait_for()
    ui.page.wait_for_timeout(200)  # two frames and more for a scroll that would follow the growth
    assert ui.page.evaluate(in_view), ui.page.evaluate(plot_top)
    assert ui.page.locator("[data-plot=grads]").get_attribute("class") == "tour-target"
    # A step that points at nothing has no such button.
    for _ in range(next(n for n in range(k + 1, len(steps)) if steps[n].target is None) - k):
        advance(ui)
    assert ui.page.locator("[data-tour-where]").is_hidden()


# Each marked element of the drawing: its kind, the note it carries, its filter and its stroke.
MARKED = """() => [...document.querySelectorAll('[data-network] .tour-target')].map((n) => ({
  kind: n.dataset.kind ?? '', layer: n.dataset.layer, note: n.getAttribute('data-tour-note'),
  described: n.getAttribute('aria-description'), filter: getComputedStyle(n).filter,
  stroke: n.querySelector('circle.body') ? getComputedStyle(n.querySelector('circle.body')).stroke : null,
}))"""
GLOW = "rgb(255, 208, 0)"  # the lesson's mark, a colour of none of the drawing's codes
SIGMOID_GREEN = "rgb(0, 158, 115)"


def test_what_a_step_marks_is_named_and_marked_in_the_lessons_own_look(ui: UI) -> None:
    """Vanishing gradients, step 1, points at Hidden 1: its text names the layer, the panel says
    what glows, and each of its neurons glows yellow, keeps its sigmoid ring, and says the lesson
    points at it (no orange ring, which the drawing uses for w < 0 and for ReLU)."""
    open_lesson(ui, "vanishing-gradients")
    assert "Hidden 1, the layer nearest the inputs, is the farthest from the loss" in tour_text(ui)
    pointer = ui.page.locator("[data-tour-pointer]")
    assert pointer.text_content() == "Glowing yellow: Hidden 1 (its 8 neurons), what this step is about."
    assert GLOW in ui.page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-tour-pointer] .tour-swatch')).boxShadow"
    )
    marked = ui.page.evaluate(MARKED)
    assert [(m["kind"], m["layer"]) for m in marked] == [("neuron", "1")] * 8
    for m in marked:
        assert m["note"] == m["described"] == "The lesson points here: Hidden 1 (its 8 neurons)"
        assert GLOW in m["filter"] and m["stroke"] == SIGMOID_GREEN, m
    # A weight: the line drawn glows, the same look, and the words name it as the page does.
    open_lesson(ui, "chain-rule")
    assert pointer.text_content() == (
        "Glowing yellow: w₁, the weight from input 1 to neuron 1 of Hidden 1, what this step is about."
    )
    edge = ui.page.locator("[data-network] line.edge.tour-target")
    assert edge.count() == 1 and GLOW in edge.evaluate("(n) => getComputedStyle(n).filter")
    # The loss readout, a panel outside the drawing: outlined and glowing in the same yellow.
    advance(ui)
    advance(ui)
    assert pointer.text_content() == "Glowing yellow: the loss readout, what this step is about."
    readout = ui.page.locator(".readout.tour-target")
    assert GLOW in readout.evaluate("(n) => getComputedStyle(n).outlineColor + getComputedStyle(n).boxShadow")
    assert readout.get_attribute("data-tour-note") == "The lesson points here: the loss readout"
    # Leaving the tour takes the mark away.
    ui.page.locator("[data-tour-leave]").click()
    assert ui.page.locator(".tour-target").count() == 0
    ui.assert_no_console_errors()


def test_leave_tour_keeps_the_network_for_exploring(ui: UI) -> None:
    open_lesson(ui, "chain-rule")
    network_id = ui.network_id
    ui.page.locator("[data-tour-leave]").click()
    assert ui.page.locator("[data-tour]").is_hidden()
    assert ui.page.evaluate("() => location.pathname + location.hash") == f"/#net={network_id}"
    ui.press("Forward")
    assert ui.network_id == network_id
    assert ui.state("s.trace.forward") is not None
    ui.page.reload()
    ui.page.wait_for_selector("body[data-ready=true]")
    assert ui.network_id == network_id  # the link opens the lesson's network in the explorer
    ui.assert_no_console_errors()


def test_lesson_list_is_reachable_from_the_main_page(ui: UI) -> None:
    ui.open()
    ui.page.locator("[data-lessons-link]").click()
    ui.page.wait_for_selector("[data-lesson-list]")
    links = ui.page.locator("[data-lesson-link]")
    assert [links.nth(i).get_attribute("data-lesson-link") for i in range(links.count())] == list(LESSONS)
    links.nth(0).click()
    ui.page.wait_for_selector("body[data-ready=true]")
    assert ui.page.evaluate("() => location.pathname") == f"/lessons/{next(iter(LESSONS))}"


def test_an_unknown_lesson_is_a_404(live_server) -> None:
    r = httpx.get(f"{live_server}/lessons/no-such-lesson")
    assert r.status_code == 404
    assert "no-such-lesson" in r.json()["detail"]


@pytest.mark.parametrize("lesson_id", [x for x in LESSONS if x != "worked-example"])
def test_every_lesson_walks_to_its_end(ui: UI, live_server, lesson_id: str) -> None:
    expected = reference(str(live_server), lesson_id)
    steps = LESSONS[lesson_id].steps
    open_lesson(ui, lesson_id)
    for k, step in enumerate(steps):
        assert progress(ui) == f"Step {k + 1} of {len(steps)}"
        text = answer(ui, step.ask.choices[0]) if step.ask else tour_text(ui)
        assert text == expected[k]["text"], f"step {k + 1}"
        if step.action == "patch" and "learning_rate" in (step.body or {}):
            # The settings form follows the lesson's change: Build would not undo it.
            shown = ui.page.locator("input[name=learning_rate]").input_value()
            assert float(shown) == step.body["learning_rate"], f"step {k + 1}"
        advance(ui)
    assert ui.page.evaluate("() => document.body.dataset.tourStage") == "finished"
    ui.assert_no_console_errors()


def test_phone_width_screenshot(sized_ui, tmp_path: Path) -> None:
    with sized_ui(390, 844) as ui:
        open_lesson(ui, "worked-example", step=4)
        page = ui.page
        assert page.locator("[data-tour-choices] button").count() >= 2
        # The tour fits the phone's width: no sideways scrolling.
        assert (
            page.evaluate("() => document.querySelector('[data-tour]').getBoundingClientRect().right") <= 390
        )
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        shots = Path(os.environ.get("TOUR_SCREENSHOTS", tmp_path))
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "tour-390.png"))
        ui.assert_no_console_errors()


def test_what_the_page_sends_of_a_context_gives_each_expression_the_same_value(ui: UI) -> None:
    # The tour cuts a step's context down to the paths its texts read (tour/prune.js) before
    # the server renders it: every expression must evaluate the same on what is kept.
    ui.page.goto(f"{ui.base}/lessons")

    def prune(context: dict, paths: list) -> dict:
        script = "async ([c, p]) => (await import('/static/js/tour/prune.js')).prune(c, p)"
        return ui.page.evaluate(script, [context, [list(path) for path in paths]])

    rows = [{"a": 1, "b": 2}, {"a": 3, "b": 4}, {"a": 5, "b": 6}]
    context = {"t": {"h": rows, "x": 1}, "other": [0] * 100}
    # Read from the end only: the tail; from the start only: the head; both: nulls between.
    assert prune(context, [("t", "h", -1, "a")]) == {"t": {"h": [{"a": 5}]}}
    assert prune(context, [("t", "h", 1, "b")]) == {"t": {"h": [None, {"b": 4}]}}
    both = [("t", "h", 0, "a"), ("t", "h", -1, "b")]
    assert prune(context, both) == {"t": {"h": [{"a": 1}, None, {"b": 6}]}}
    assert prune(context, [("t", "h", "*", "a"), ("t", "h", -1, "b")]) == {
        "t": {"h": [{"a": 1}, {"a": 3}, {"a": 5, "b": 6}]}
    }
    assert prune(context, [("t", "h", 0, "a"), ("t",)]) == {"t": context["t"]}  # the whole wins
    # Past the end: the list keeps its length, so the server's message names the same index.
    assert prune(context, [("missing", 0), ("t", "h", 7)]) == {"t": {"h": [None, None, None]}}
    for expr in (
        "t.h[-1].a - t.h[0].b",
        "sum(column(t.h, 'a'))",
        "len(t.h) + t.x",
        "t.h[argmax(column(t.h, 'a'))].b",
        "min(column(t.h, 'b')) * t.h[1].a",
    ):
        assert evaluate(expr, prune(context, reads(expr))) == evaluate(expr, context), expr
