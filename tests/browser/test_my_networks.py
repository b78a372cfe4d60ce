"""My networks in the browser: each browser is an owner (its cookie); the dialog lists its
networks with their sizes, renames, opens and deletes them; the page's link carries the share
key, so another browser can view the network, not change it, and copy it to train its own."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, expect

from tests.conftest import LiveServer

from .conftest import ui_at

MOONS = "#ds=moons&h=4.tanh&lr=0.3&bs=10"


def open_dialog(ui) -> None:
    ui.page.get_by_role("button", name="My networks").click()
    expect(ui.page.locator("[data-my-networks]")).to_be_visible()
    expect(ui.page.locator("[data-my-usage]")).to_contain_text("You keep")
    expect(ui.page.locator("[data-my-rows]")).not_to_have_attribute("aria-busy", "true")  # listed afresh


def test_my_networks_lists_renames_opens_and_deletes(browser: Browser, live_server: LiveServer) -> None:
    with ui_at(browser, live_server.url) as ui:
        ui.open(MOONS)
        first = ui.network_id
        ui.press("Epoch")  # trained: kept whatever the page builds next
        ui.page.goto(f"{live_server.url}/{MOONS}")  # another page load builds another network
        ui.page.wait_for_function(f"() => window.backpropExplorer.getState().network?.id !== {first!r}")
        ui.page.wait_for_selector("body[data-ready=true]")
        second = ui.network_id
        ui.set_speed("max")
        ui.press("Step")  # trained too (an untrained one is deleted when the page shows another)
        open_dialog(ui)
        rows = ui.page.locator("[data-my-rows] tr")
        expect(rows).to_have_count(2)
        mine = ui.page.locator(f'[data-my-rows] tr[data-network-id="{first}"]')
        expect(mine).to_contain_text("1 epoch done, ")
        expect(mine).to_contain_text("kB")
        shown = ui.page.locator(f'[data-my-rows] tr[data-network-id="{second}"]')
        expect(shown).to_contain_text("on screen")
        # One Step after a load: epoch 1 is in progress (the drawing says so); the list is as true
        expect(shown).to_contain_text("no epoch done, 1 update")
        usage = ui.page.locator("[data-my-usage]").text_content() or ""
        assert re.search(
            r"You keep 2 networks of \d+ and 0 uploads of \d+: \S+ kB of your 250\.0 MB", usage
        ), usage

        mine.get_by_role("button", name="Rename").click()
        mine.get_by_role("textbox", name="Name").fill("my first moons")
        mine.get_by_role("button", name="Save").click()
        expect(mine).to_contain_text("my first moons")
        ui.page.screenshot(path=str(live_server.db.with_name("my-networks.png")))

        mine.get_by_role("button", name="Open").click()
        ui.page.wait_for_function(f"() => window.backpropExplorer.getState().network.id === {first!r}")
        assert ui.state("s.network.epoch") == 1

        open_dialog(ui)
        other = ui.page.locator(f'[data-my-rows] tr[data-network-id="{second}"]')
        other.get_by_role("button", name="Delete").click()
        expect(other).to_contain_text("Delete for good?")
        other.locator("button.danger", has_text="Delete").click()  # the confirmation's own button
        expect(other).to_have_count(0)
        assert httpx.get(f"{live_server.url}/api/networks/{second}").status_code == 404
        expect(rows).to_have_count(1)
        expect(ui.page.locator(f'[data-my-rows] tr[data-network-id="{first}"]')).to_contain_text("on screen")
        ui.assert_no_console_errors()


def test_a_copied_link_lets_another_browser_view_and_copy(browser: Browser, live_server: LiveServer) -> None:
    with ui_at(browser, live_server.url) as alice:
        alice.open(MOONS)
        alice.press("Epoch")
        network_id = alice.network_id
        link = alice.page.url
        assert f"net={network_id}&share=" in link
        # Without the key, another owner gets nothing.
        stranger = {"X-Owner-Key": "stranger-0123456789"}
        assert httpx.get(f"{live_server.url}/api/networks/{network_id}", headers=stranger).status_code == 404
        with ui_at(browser, live_server.url) as bob:
            bob.page.goto(link)
            bob.page.wait_for_selector("body[data-ready=true]")
            assert bob.network_id == network_id and bob.state("s.network.epoch") == 1
            assert bob.state("s.sharing.yours") is False
            caption = bob.page.locator("[data-caption]").text_content() or ""
            assert "shared with you to view" in caption and "Copy the network on screen" in caption
            bob.page.screenshot(path=str(live_server.db.with_name("shared-view.png")))
            bob.set_speed("max")
            bob.press("Forward")
            assert bob.error("phase") == (
                "This network is shared with you to view, not to change: My networks → Copy the network "
                "on screen makes a copy of your own to train"
            )  # the page's button, not the API's export and import calls
            open_dialog(bob)
            expect(bob.page.locator("[data-my-copy]")).to_be_visible()
            bob.page.get_by_role("button", name="Copy the network on screen").click()
            bob.page.wait_for_function(
                f"() => window.backpropExplorer.getState().network.id !== {network_id!r}"
            )
            copy = bob.network_id
            assert bob.state("s.sharing.yours") is True and bob.state("s.network.epoch") == 1
            assert f"net={copy}&share=" in bob.page.url
            bob.press("Forward")
            assert bob.phase() == "forward" and bob.error("phase") == ""
            bob.assert_no_console_errors(allow=("403",))
        # Alice's network is as she left it.
        assert alice.state("s.network.epoch") == 1
        alice.press("Forward")
        assert alice.phase() == "forward"
