"""While a lesson's tour is open its steps run the network and set its settings: the page's phase
and training buttons and its settings form are disabled, say why, and do nothing when clicked, so
every step still runs and its text stays true; Leave tour gives them back."""

from __future__ import annotations

import httpx

from .conftest import UI
from .test_lessons import advance, answer, open_lesson, progress, reference, tour_text, wait_stage

RUN_BUTTONS = (
    "[data-phase-button=forward]",
    "[data-phase-button=loss]",
    "[data-phase-button=backward]",
    "[data-phase-button=update]",
    "[data-action=step]",
    "[data-action=epoch]",
    "[data-action=play]",
    "[data-action=reset]",
)
RUNS_REASON = "In the lesson, Next runs each step (Leave tour frees these buttons)"
FORM_FIELDS = (
    "select[name=loss]",
    "input[name=learning_rate]",
    "select[name=dataset]",
    "[data-action=build]",
)


def test_the_phase_buttons_wait_for_the_tour_and_the_steps_still_run(ui: UI, live_server) -> None:
    expected = reference(str(live_server), "chain-rule")
    open_lesson(ui, "chain-rule", step=2)
    for selector in RUN_BUTTONS:
        button = ui.page.locator(selector)
        assert button.is_disabled(), selector
        assert button.get_attribute("title") == RUNS_REASON, selector
    note = ui.page.locator(".controls [data-tour-lock]")
    assert note.is_visible()
    assert note.text_content() == "Locked: Next runs each step; Leave tour frees them"
    # Nor can the inspector set a weight the lesson's numbers count on.
    ui.page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event("click")
    field = ui.page.locator("[data-inspector] input[data-edit-parameter]")
    assert field.is_disabled()
    assert ui.page.locator("[data-inspector] [data-edit-why]").text_content() == (
        "The lesson's steps and text count on these weights: Leave tour to set this weight."
    )
    # A click on Loss does nothing: the lesson's step 3 runs its own Loss and says the server's numbers.
    ui.page.locator("[data-phase-button=loss]").click(force=True)
    ui.idle()
    assert ui.state("s.trace.loss") is None
    advance(ui)
    assert progress(ui).startswith("Step 3 ")
    assert tour_text(ui) == expected[2]["text"]
    # Nor do Update, Step and Epoch at any later step: every update is the lesson's, once.
    for k in range(3, len(expected)):
        advance(ui)
        for selector in ("[data-phase-button=update]", "[data-action=step]", "[data-action=epoch]"):
            ui.page.locator(selector).click(force=True)
        ui.idle()
        step = expected[k]
        text = answer(ui, step["ask"]["answer"]) if step["ask"] else tour_text(ui)
        assert text == step["text"], f"step {k + 1}"
    assert ui.state("s.network.step") == 1
    # Left, the buttons are the page's again, with their own titles.
    ui.page.locator("[data-tour-leave]").click()
    assert note.is_hidden()
    for selector in RUN_BUTTONS:
        assert ui.page.locator(selector).is_enabled(), selector
    assert ui.page.locator("[data-phase-button=loss]").get_attribute("title") == "Loss (L)"
    ui.page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event("click")
    assert ui.page.locator("[data-inspector] input[data-edit-parameter]").is_enabled()
    ui.press("Forward")
    assert ui.state("s.trace.forward") is not None
    ui.assert_no_console_errors()


def test_the_settings_form_is_the_lessons_until_the_tour_is_left(ui: UI, live_server) -> None:
    expected = reference(str(live_server), "loss")
    open_lesson(ui, "loss", step=3)
    assert "mse" in tour_text(ui)
    for selector in FORM_FIELDS:
        field = ui.page.locator(selector)
        assert field.is_disabled(), selector
    assert ui.page.locator("[data-action=build]").get_attribute("title") == (
        "The lesson sets this network's settings and its text counts on them (Leave tour frees the form)"
    )
    assert ui.page.locator("[data-config] [data-tour-lock]").is_visible()
    # No other network is loaded under the lesson.
    for selector in ("[data-import]", "[data-action=my-networks]"):
        assert ui.page.locator(selector).is_disabled(), selector
        assert (
            ui.page.locator(selector).get_attribute("title")
            == "The lesson runs on its own network (Leave tour frees this)"
        )
    # The lesson's own settings hold: step 5 quotes the MSE the lesson set, as the server renders it.
    advance(ui)
    advance(ui)
    wait_stage(ui)
    text = answer(ui, expected[4]["ask"]["answer"]) if expected[4]["ask"] else tour_text(ui)
    assert text == expected[4]["text"]
    assert ui.state("s.network.loss") == "mse"
    # Left, the form is the learner's: a loss chosen there applies to the network at once.
    ui.page.locator("[data-tour-leave]").click()
    for selector in FORM_FIELDS:
        assert ui.page.locator(selector).is_enabled(), selector
    assert ui.page.locator("[data-config] [data-tour-lock]").is_hidden()
    assert ui.page.locator("[data-action=my-networks]").is_enabled()
    ui.page.locator("select[name=loss]").select_option("bce")
    ui.page.wait_for_function("() => window.backpropExplorer.getState().network.loss === 'bce'")
    ui.assert_no_console_errors()


def test_after_a_lesson_changed_the_settings_the_form_changes_the_network_it_shows(
    ui: UI, live_server
) -> None:
    """The learning-rate lesson sets η = 1.5 itself. After Leave tour, η typed in the form goes to
    the network, and the caption says the change from 1.5 (not from the lesson's first η)."""
    open_lesson(ui, "learning-rate", step=7)
    assert ui.state("s.network.learning_rate") == 1.5
    ui.page.locator("[data-tour-leave]").click()
    field = ui.page.locator("input[name=learning_rate]")
    assert field.input_value() == "1.5"
    for eta in ("0.01", "0.2"):
        field.fill(eta)
        field.press("Enter")
        ui.page.wait_for_function(f"() => window.backpropExplorer.getState().network.learning_rate === {eta}")
        ui.idle()
        net = ui.network_id
        assert httpx.get(f"{live_server}/api/networks/{net}").json()["learning_rate"] == float(eta)
    caption = ui.page.locator("[data-caption]").text_content() or ""
    assert "Changed η 0.01 → 0.2 without touching the weights" in caption, caption
    ui.assert_no_console_errors()
