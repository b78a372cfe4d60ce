"""The tour tells the truth about itself: a step shown again says when the drawing has moved on,
Enter meant as "next" answers no question, the page names no button the tour has locked, Leave
tour leaves nothing behind (no outline, no lesson status, the picker's own title), an unknown
lesson lists the real ones, and on a phone the learner can always get back to the lesson."""

from __future__ import annotations

import httpx
from backprop_explorer.app.lessons import LESSONS

from .conftest import UI
from .test_lesson_lock import RUNS_REASON
from .test_lessons import AT_STEP, answer, open_lesson, progress, tour_text, wait_stage

BEHIND = "[data-tour-behind]"


def test_back_to_a_step_the_drawing_has_moved_on_from_says_so(ui: UI) -> None:
    steps = LESSONS["one-neuron"].steps
    assert steps[3].action == "patch" and steps[4].action == "forward"  # step 5: tanh on the same z
    open_lesson(ui, "one-neuron", step=5)
    answer(ui, steps[4].ask.choices[0])
    assert ui.state("s.network.activations[0]") == "tanh"
    assert ui.page.locator(BEHIND).text_content() == ""
    ui.page.keyboard.press("ArrowLeft")
    ui.page.keyboard.press("ArrowLeft")
    ui.page.wait_for_function(AT_STEP, arg=3)
    assert "Sigmoid squashes" in tour_text(ui)  # step 3's sigmoid numbers, the drawing's tanh ones
    said = ui.page.locator(BEHIND)
    assert said.is_visible()
    assert said.text_content() == "The drawing shows the network after step 5; Next goes on from there."
    # Back at the step the drawing shows, the line goes.
    ui.page.keyboard.press("ArrowRight")
    ui.page.wait_for_function(AT_STEP, arg=4)
    assert said.text_content() != ""  # step 4 (the patch) came before step 5's forward pass
    ui.page.keyboard.press("ArrowRight")
    ui.page.wait_for_function(AT_STEP, arg=5)
    assert said.text_content() == "" and said.is_hidden()
    ui.assert_no_console_errors()


def test_enter_meant_as_next_answers_no_question(ui: UI) -> None:
    steps = LESSONS["chain-rule"].steps
    open_lesson(ui, "chain-rule", step=3)
    assert ui.page.evaluate("() => document.activeElement.hasAttribute('data-tour-next')")
    ui.page.keyboard.press("Enter")  # Next: step 4 asks before its Backward
    ui.page.wait_for_function(AT_STEP, arg=4)
    assert wait_stage(ui) == "ask"
    assert ui.page.evaluate("() => document.activeElement.hasAttribute('data-tour-question')")
    assert ui.page.locator("[data-tour-hint]").text_content() == "1–2 or click a choice · ← back"
    # Enter and Space again, meant as "next": the question stays open, nothing is chosen or run.
    ui.page.keyboard.press("Enter")
    ui.page.keyboard.press(" ")
    ui.page.wait_for_timeout(300)
    assert ui.page.evaluate("() => document.body.dataset.tourStage") == "ask"
    assert ui.page.locator("[data-tour-verdict]").text_content() == ""
    assert ui.state("s.trace.backward") is None
    # A digit answers.
    ui.page.keyboard.press("2")
    assert wait_stage(ui) == "shown"
    picked = steps[3].ask.choices[1]
    assert ui.page.locator(f'[data-tour-choices] [data-choice="{picked}"]').get_attribute("class") in (
        "answer",
        "wrong",
    )
    assert ui.page.locator("[data-tour-hint]").text_content() == "Enter, Space or → next · ← back"
    ui.assert_no_console_errors()


def page_words(ui: UI) -> dict[str, str]:
    return ui.page.evaluate(
        """() => ({
            loss: document.querySelector('[data-plot=loss]').dataset.message,
            steps: document.querySelector('[data-plot=steps]').dataset.message,
            timeline: document.querySelector('[data-timeline-hint]').textContent,
            graph: document.querySelector('[data-graph-note]').textContent,
            chain: document.querySelector('[data-chain]').textContent,
        })"""
    )


def test_the_page_names_no_button_the_tour_has_locked(ui: UI) -> None:
    open_lesson(ui, "chain-rule")  # step 1: w1 selected, nothing run yet
    ui.page.locator("[data-graph]").scroll_into_view_if_needed()
    ui.page.wait_for_function(
        "() => document.querySelector('[data-graph-note]').textContent.includes('No step')"
    )
    words = page_words(ui)
    assert words == {
        "loss": "Epochs the lesson trains show their loss here",
        "steps": "Updates the lesson runs show their loss here",
        "timeline": "Each epoch and each update leaves a point here to come back to, "
        "once the lesson's steps make one.",
        "graph": words["graph"],
        "chain": words["chain"],
    }
    assert words["graph"].endswith("No step is in progress: only the weights and biases have values.")
    assert words["chain"].endswith(
        ". Its chain rule along its path to the loss shows once the lesson's steps run "
        "Forward, Loss and Backward."
    )
    inspector = ui.page.locator("[data-inspector]")
    assert "Its gradient shows here once the lesson's steps run Forward, Loss and Backward." in (
        inspector.text_content() or ""
    )
    ui.page.locator('[data-network] [data-kind=neuron][data-layer="1"][data-j="0"]').dispatch_event("click")
    assert "Its z and a show here once a step of the lesson runs Forward." in (inspector.text_content() or "")
    assert "Run Forward" not in (inspector.text_content() or "")
    # Left, the buttons are free and the page names them again.
    ui.page.locator("[data-tour-leave]").click()
    assert "Run Forward to see this neuron's z and a." in (inspector.text_content() or "")
    ui.page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event("click")
    assert "Run Forward, Loss and Backward to see this weight's gradient." in (inspector.text_content() or "")
    ui.page.wait_for_function(
        "() => document.querySelector('[data-graph-note]').textContent.endsWith('Press Forward.')"
    )
    words = page_words(ui)
    assert words["loss"] == "Press Epoch or Play to see the loss per epoch"
    assert words["steps"] == "Step through a sample to see its loss here"
    assert words["timeline"].endswith("press Step or Epoch first.")
    assert words["chain"].endswith(
        ". Run Forward, Loss and Backward to see its chain rule along its path to the loss."
    )
    ui.assert_no_console_errors()


def test_leaving_while_a_step_runs_leaves_no_outline_and_the_pages_status(ui: UI) -> None:
    steps = LESSONS["house-prices"].steps
    assert steps[3].action == "train" and steps[3].target.kind == "plot"
    open_lesson(ui, "house-prices", step=3)
    assert ui.page.locator("[data-status]").text_content() == f"Lesson · step 3 of {len(steps)}"
    ui.page.locator("[data-tour-next]").click()
    assert wait_stage(ui) == "ask"
    # The pick starts the 60-epoch train; Leave comes before its answer does.
    ui.page.evaluate(
        """c => { document.querySelector(`[data-tour-choices] [data-choice="${c}"]`).click();
                  document.querySelector('[data-tour-leave]').click(); }""",
        steps[3].ask.choices[0],
    )
    ui.page.wait_for_function("() => window.backpropExplorer.getState().network.epoch === 60", timeout=60_000)
    ui.idle()
    ui.page.wait_for_timeout(300)
    assert ui.page.locator(".tour-target").count() == 0
    assert ui.page.locator("[data-tour]").is_hidden()
    assert ui.page.evaluate("() => document.body.dataset.tourStage") == "left"
    assert not (ui.page.locator("[data-status]").text_content() or "").startswith("Lesson")
    ui.assert_no_console_errors()


def test_leave_tour_gives_the_page_its_status_and_the_picker_its_title(ui: UI) -> None:
    open_lesson(ui, "chain-rule", step=2)
    picker = ui.page.locator("[data-sample]")
    assert picker.is_disabled() and picker.get_attribute("title") == RUNS_REASON
    assert (
        ui.page.locator("[data-status]").text_content()
        == f"Lesson · step 2 of {len(LESSONS['chain-rule'].steps)}"
    )
    ui.page.locator("[data-tour-leave]").click()
    assert ui.page.locator("[data-status]").text_content() == "Ready · the start (no update yet)"
    assert picker.is_enabled()
    assert picker.get_attribute("title") == "Each training sample as the network sees it"
    ui.assert_no_console_errors()


def test_an_unknown_lesson_page_links_the_lessons(live_server) -> None:
    r = httpx.get(f"{live_server}/lessons/nope", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert '<p class="error" data-lesson-missing>There is no lesson with id &#39;nope&#39;.</p>' in r.text
    assert "['" not in r.text and "[&#39;" not in r.text  # no Python list
    for lesson_id, lesson in LESSONS.items():
        assert f'<a href="/lessons/{lesson_id}" data-lesson-link="{lesson_id}">{lesson.title}</a>' in r.text
    # An API client still gets the one-line detail.
    r = httpx.get(f"{live_server}/lessons/nope")
    assert r.status_code == 404 and "one-neuron" in r.json()["detail"]


def test_on_a_phone_the_lesson_is_a_tap_away(sized_ui) -> None:
    with sized_ui(390, 844) as ui:
        page = ui.page
        open_lesson(ui, "one-neuron")
        # The drawing sits right under the panel: no button to scroll the panel away for it.
        top = page.evaluate("() => document.querySelector('.panel.drawing').getBoundingClientRect().top")
        assert top < 844
        assert page.locator("[data-tour-see]").is_hidden()
        # A step whose target is far down: Show goes there, and a button brings the lesson back.
        steps = LESSONS["house-prices"].steps
        open_lesson(ui, "house-prices", step=4)
        answer(ui, steps[3].ask.choices[0])
        where = page.locator("[data-tour-where]")
        assert where.text_content() == "Show: the loss curve ↓"
        back = page.locator("[data-tour-return]")
        assert back.is_hidden()
        # Shown at once: the panels above the plot that load or take their height once scrolled
        # near (the computational graph, drawn when first seen) do not push it away.
        where.click()
        page.wait_for_function(
            "() => { const r = document.querySelector('[data-plot=loss]').getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= innerHeight; }"
        )
        page.wait_for_function("() => document.querySelector('[data-graph]').dataset.state === 'drawn'")
        ui.idle()
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        # Still where Show put it, in the middle of the screen, once a frame is drawn after all that.
        assert page.evaluate(
            "() => { const r = document.querySelector('[data-plot=loss]').getBoundingClientRect();"
            " return Math.abs(r.top + r.height / 2 - innerHeight / 2) <= 1; }"
        )
        back.wait_for(state="visible")
        assert page.evaluate(
            "() => document.querySelector('[data-tour-next]').getBoundingClientRect().bottom < 0"
        )
        box = back.bounding_box()
        assert box and box["y"] + box["height"] <= 844 and box["x"] >= 0 and box["x"] + box["width"] <= 390
        back.click()
        page.wait_for_function(
            "() => { const r = document.querySelector('[data-tour-next]').getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= innerHeight; }"
        )
        back.wait_for(state="hidden")
        assert page.evaluate("() => document.activeElement.hasAttribute('data-tour-next')")
        assert progress(ui).startswith("Step 4 ")
        ui.assert_no_console_errors()
