"""Divergence on the page: Play and Epoch with a far too large η stop at the refused update and
say what happened and what to try, keeping the epochs before it."""

from __future__ import annotations

import httpx

from .conftest import UI

SPEC = {
    "layers": [3, 1],
    "activations": ["linear"],
    "loss": "mse",
    "learning_rate": 1e3,
    "batch_size": 5,
    "data": {"generator": "house_prices", "n": 50, "seed": 1},
}


def test_play_shows_the_divergence_and_keeps_the_epochs(ui: UI, live_server: str) -> None:
    created = httpx.post(f"{live_server}/api/networks", json=SPEC)
    assert created.status_code == 201
    network_id = created.json()["id"]
    ui.open(f"#net={network_id}")
    assert ui.network_id == network_id
    ui.page.keyboard.press(" ")
    ui.page.wait_for_function(
        "() => document.querySelector('[data-status]').textContent.startsWith('Diverged at epoch')",
        timeout=30_000,
    )
    caption = ui.page.locator("[data-caption]").text_content() or ""
    assert "Diverged at epoch" in caption and "lower learning rate" in caption
    assert "η = 1000 is too large for this loss surface: try η/10 = 100." in caption
    stored = httpx.get(f"{live_server}/api/networks/{network_id}").json()
    history = httpx.get(f"{live_server}/api/networks/{network_id}/history").json()["history"]
    # The page's loss plot has the epochs the server kept, and they climbed.
    assert ui.state("s.history.length") == len(history) == stored["epoch"] >= 2
    assert history[-1]["train_loss"] > history[0]["train_loss"]
    # Epoch now says the same instead of an error.
    ui.press("Epoch")
    assert (ui.page.locator("[data-caption]").text_content() or "").startswith("Diverged")
    assert ui.error() == ""
    ui.assert_no_console_errors()
