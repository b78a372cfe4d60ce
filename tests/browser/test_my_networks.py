"""My networks in the browser: each browser is an owner (its cookie); the dialog lists its
networks with their sizes, renames, opens and deletes them; the page's link carries the share
key, so another browser can view the network, not change it, and copy it to train its own."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Route, expect

from tests.conftest import LiveServer, start_server, stop_server

from .conftest import ui_at

MOONS = "#ds=moons&h=4.tanh&lr=0.3&bs=10"
TEACHER = "teacher-secret-1"
SPEC = {
    "layers": [2, 3, 1],
    "activations": ["tanh", "sigmoid"],
    "loss": "bce",
    "data": {"generator": "moons", "n": 20},
}


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


def test_show_more_after_a_delete_lists_every_network(browser: Browser, live_server: LiveServer) -> None:
    """A Delete moves the rows after it up one: Show more then asks from one place earlier, and
    no network is left out."""
    with ui_at(browser, live_server.url) as ui:
        ui.open(MOONS)
        for _ in range(54):  # 55 with the one on screen: a page of 50 and 5 more
            assert ui.page.request.post(f"{live_server.url}/api/networks", data=SPEC).status == 201
        everything = ui.page.request.get(f"{live_server.url}/api/networks?limit=100").json()["networks"]
        assert len(everything) == 55
        open_dialog(ui)
        rows = ui.page.locator("[data-my-rows] tr")
        expect(rows).to_have_count(50)
        gone = everything[3]["id"]
        row = ui.page.locator(f'[data-my-rows] tr[data-network-id="{gone}"]')
        row.get_by_role("button", name="Delete").click()
        row.locator("button.danger", has_text="Delete").click()
        expect(row).to_have_count(0)
        ui.page.get_by_role("button", name="Show more").click()
        expect(rows).to_have_count(54)
        listed = ui.page.eval_on_selector_all(
            "[data-my-rows] tr",
            "rows => rows.map((r) => r.dataset.networkId)",
        )
        assert listed == [n["id"] for n in everything if n["id"] != gone]  # each once, oldest first
        expect(ui.page.get_by_role("button", name="Show more")).to_be_hidden()
        ui.assert_no_console_errors()


def fits_the_screen(ui, width: int) -> None:
    """The list is no wider than its box, and every row's buttons are whole on the screen."""
    assert ui.page.eval_on_selector(".my-list", "(box) => box.scrollWidth <= box.clientWidth")
    for button in ui.page.locator("[data-my-rows] .my-actions button").all():
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])
def test_my_networks_says_expiry_and_sizes_exactly_and_fits_a_phone(
    browser: Browser, tmp_path: Path, width: int, height: int
) -> None:
    env = {"BACKPROP_EXPLORER_TEACHER_TOKEN": TEACHER, "BACKPROP_EXPLORER_EXPIRE_IDLE_SECONDS": "90"}
    server = start_server(tmp_path / "networks.db", env=env)
    try:
        with ui_at(browser, server.url, width, height) as student:
            student.open(MOONS)
            for _ in range(2):
                assert student.page.request.post(f"{server.url}/api/networks", data=SPEC).status == 201
            open_dialog(student)
            usage = student.page.locator("[data-my-usage]")
            expect(usage).to_contain_text("Networks nobody changed for 90 seconds are deleted.")
            expect(student.page.locator("[data-my-rows] tr")).to_have_count(3)
            fits_the_screen(student, width)
            student.page.screenshot(path=str(tmp_path.with_name(f"my-networks-student-{width}.png")))
            student.page.get_by_role("button", name="Close").click()
            for network in student.page.request.get(f"{server.url}/api/networks").json()["networks"]:
                assert student.page.request.delete(f"{server.url}/api/networks/{network['id']}").status == 204
            open_dialog(student)
            expect(usage).to_contain_text(
                "You keep 0 networks of 200 and 0 uploads of 20: 0 bytes of your 250.0 MB."
            )
            assert student.page.request.post(f"{server.url}/api/networks", data=SPEC).status == 201
        with ui_at(browser, server.url, width, height) as teacher:
            teacher.page.goto(f"{server.url}/?token={TEACHER}")
            teacher.open(MOONS)
            teacher.page.get_by_role("button", name="My networks").click()
            expect(teacher.page.locator("[data-my-usage]")).to_contain_text("Teacher: every network")
            rows = teacher.page.locator("[data-my-rows] tr")
            expect(rows).to_have_count(2)  # the student's, oldest first, and the teacher's page's own
            assert re.search(r"owner o-[0-9a-f]{8}…", rows.first.text_content() or "")  # an owner id, cut
            expect(rows.last).to_contain_text("owner teacher")
            assert "…" not in (rows.last.text_content() or "")  # the whole name: nothing shortened
            fits_the_screen(teacher, width)
            teacher.page.screenshot(path=str(tmp_path.with_name(f"my-networks-teacher-{width}.png")))
    finally:
        stop_server(server)


def test_a_refused_play_says_so_and_not_stopped_after_an_epoch_it_did_not_train(
    browser: Browser, live_server: LiveServer
) -> None:
    with ui_at(browser, live_server.url) as alice:
        alice.open(MOONS)
        alice.press("Epoch")
        alice.press("Epoch")
        link = alice.page.url
        with ui_at(browser, live_server.url) as bob:
            bob.page.goto(link)
            bob.page.wait_for_selector("body[data-ready=true]")
            assert bob.state("s.network.epoch") == 2 and bob.state("s.sharing.yours") is False
            bob.page.get_by_role("button", name="Play").click()
            caption = bob.page.locator("[data-caption]")
            expect(caption).to_contain_text("Play was refused")
            expect(caption).to_have_text(
                "Play was refused: This network is shared with you to view, not to change: My networks → "
                "Copy the network on screen makes a copy of your own to train. Nothing was trained: the "
                "network is as it was before Play."
            )
            assert bob.error("phase").startswith("This network is shared with you to view")
            expect(bob.page.locator("[data-status]")).to_have_text("Play was refused")
            assert bob.state("s.network.epoch") == 2 and not bob.state("s.playing")
            bob.assert_no_console_errors(allow=("403",))


ASK_FOR_TOKEN = (
    "This class server needs its address with the token: open the address your teacher gave you "
    "(…/?token=…), then this link again."
)


def test_a_share_link_opened_without_the_class_token_says_to_open_the_teachers_address_first(
    browser: Browser, tmp_path: Path
) -> None:
    server = start_server(tmp_path / "networks.db", env={"BACKPROP_EXPLORER_TOKEN": "class-token-123"})
    try:
        with ui_at(browser, server.url) as alice:
            alice.page.goto(f"{server.url}/?token=class-token-123")
            alice.open(MOONS)
            alice.press("Epoch")
            link = alice.page.url
            assert "share=" in link
        with ui_at(browser, server.url) as stranger:  # another browser: no cookie with the token
            stranger.page.goto(link)
            expect(stranger.page.locator("[data-status]")).to_have_text(ASK_FOR_TOKEN)
            expect(stranger.page.locator("[data-status]")).not_to_have_class(re.compile("busy"))
            expect(stranger.page.locator("[data-caption]")).to_have_text(ASK_FOR_TOKEN)
            assert stranger.error("dataset") == ""  # not a message about uploading a CSV
            stranger.page.screenshot(path=str(tmp_path.with_name("share-link-without-token.png")))
            stranger.page.goto(f"{server.url}/?token=class-token-123")  # the teacher's address, then the link
            stranger.page.wait_for_selector("body[data-ready=true]")
            network_id = link.split("net=", 1)[1].split("&", 1)[0]
            stranger.page.goto(link)  # only the fragment changes: the page opens the linked network
            stranger.page.wait_for_function(
                f"() => window.backpropExplorer.getState().network?.id === {network_id!r}"
            )
            assert stranger.state("s.network.epoch") == 1 and stranger.state("s.sharing.yours") is False
            stranger.assert_no_console_errors(allow=("401",))
    finally:
        stop_server(server)


@pytest.mark.parametrize("action", ["Forward", "Play"])
def test_a_network_deleted_on_the_server_is_said_gone_and_a_new_one_offered(
    browser: Browser, tmp_path: Path, action: str
) -> None:
    server = start_server(tmp_path / "networks.db", env={"BACKPROP_EXPLORER_EXPIRE_IDLE_SECONDS": "90"})
    try:
        with ui_at(browser, server.url) as ui:
            ui.open(MOONS)
            gone = ui.network_id
            # As the teacher or the expiry sweep would: the page still shows it.
            assert ui.page.request.delete(f"{server.url}/api/networks/{gone}").status == 204
            ui.page.get_by_role("button", name=action).click()
            said = (
                "This network is no longer on the server: networks nobody changes for 90 seconds are "
                "deleted, and the teacher can delete any."
            )
            expect(ui.page.locator("[data-error=phase]")).to_have_text(
                f"{said} Build a new network (the button under the drawing) to go on."
            )
            caption = ui.page.locator("[data-caption]")
            expect(caption).to_have_text(f"{said} Build a new network from the settings on the left.")
            assert "no network with id" not in (ui.page.locator("body").text_content() or "")
            ui.page.screenshot(path=str(tmp_path.with_name(f"network-gone-{action}.png")))
            caption.get_by_role("button", name="Build a new network").click()
            ui.page.wait_for_function(f"() => window.backpropExplorer.getState().network?.id !== {gone!r}")
            ui.page.wait_for_function(
                "() => window.backpropExplorer.getState().network?.layers.join() === '2,4,1'"
            )
            ui.press("Forward")
            assert ui.phase() == "forward" and ui.error("phase") == ""
            ui.assert_no_console_errors(allow=("404",))
    finally:
        stop_server(server)


REWORDED = "a refusal worded anew by the server"


def reword(route: Route, code: str, seen: list[str]) -> None:
    """The real server's answer with its detail reworded and everything else kept: the page must
    know the refusal by its code."""
    answer = route.fetch()
    body = answer.json()
    assert body["code"] == code, body
    seen.append(body["detail"])
    route.fulfill(response=answer, json={**body, "detail": REWORDED})


def test_the_page_knows_a_view_only_refusal_by_its_code_not_its_words(
    browser: Browser, live_server: LiveServer
) -> None:
    with ui_at(browser, live_server.url) as alice:
        alice.open(MOONS)
        link = alice.page.url
        network_id = alice.network_id
        with ui_at(browser, live_server.url) as bob:
            bob.page.goto(link)
            bob.page.wait_for_selector("body[data-ready=true]")
            seen: list[str] = []
            bob.page.route(
                f"**/api/networks/{network_id}/forward", lambda route: reword(route, "view_only", seen)
            )
            bob.set_speed("max")
            bob.press("Forward")
            assert seen and "shared with you to view" in seen[0]  # the server's own words, replaced
            assert bob.error("phase") == (
                "This network is shared with you to view, not to change: My networks → Copy the network "
                "on screen makes a copy of your own to train"
            )
            assert REWORDED not in (bob.page.locator("body").text_content() or "")
            open_dialog(bob)
            expect(bob.page.get_by_role("button", name="Copy the network on screen")).to_be_visible()
            bob.assert_no_console_errors(allow=("403",))


def test_the_page_knows_its_network_is_gone_by_the_code_not_the_words(
    browser: Browser, live_server: LiveServer
) -> None:
    with ui_at(browser, live_server.url) as ui:
        ui.open(MOONS)
        gone = ui.network_id
        assert ui.page.request.delete(f"{live_server.url}/api/networks/{gone}").status == 204
        seen: list[str] = []
        ui.page.route(f"**/api/networks/{gone}/**", lambda route: reword(route, "network_not_found", seen))
        try:
            ui.page.get_by_role("button", name="Forward").click()
            said = (
                "This network is no longer on the server: it was deleted (by the teacher, or from My "
                "networks in another tab)."
            )
            expect(ui.page.locator("[data-error=phase]")).to_have_text(
                f"{said} Build a new network (the button under the drawing) to go on."
            )
            assert seen and seen[0] == f"no network with id {gone!r}"
            assert REWORDED not in (ui.page.locator("body").text_content() or "")
            caption = ui.page.locator("[data-caption]")
            expect(caption).to_have_text(f"{said} Build a new network from the settings on the left.")
            caption.get_by_role("button", name="Build a new network").click()
            ui.page.wait_for_function(f"() => window.backpropExplorer.getState().network?.id !== {gone!r}")
            ui.assert_no_console_errors(allow=("404",))
        finally:
            # A request for the gone network still on its way when the page closes would run
            # its handler during the next test's first call, on an answer already disposed.
            ui.page.unroute_all(behavior="ignoreErrors")


CSV = b"x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n"


def test_my_networks_deletes_an_upload_which_frees_the_upload_quota(browser: Browser, tmp_path: Path) -> None:
    server = start_server(tmp_path / "networks.db", env={"BACKPROP_EXPLORER_MAX_OWNER_DATASETS": "1"})
    upload = {"file": {"name": "xor.csv", "mimeType": "text/csv", "buffer": CSV}}
    try:
        with ui_at(browser, server.url) as ui:
            ui.open(MOONS)
            first = ui.page.request.post(f"{server.url}/api/datasets", multipart=upload)
            assert first.status == 201
            refused = ui.page.request.post(f"{server.url}/api/datasets", multipart=upload)
            assert refused.status == 413
            detail = refused.json()["detail"]
            assert detail.startswith("you already keep 1 upload, the limit max_owner_datasets=1"), detail
            assert "delete one of your uploads (the page's My networks" in detail
            open_dialog(ui)
            expect(ui.page.locator("[data-my-usage]")).to_contain_text("1 upload of 1")
            row = ui.page.locator(f'[data-my-upload-rows] li[data-dataset-id="{first.json()["dataset_id"]}"]')
            expect(row).to_have_text(re.compile(r"^xor\.csv · 4 rows, 2 inputs Delete$"))
            ui.page.screenshot(path=str(tmp_path.with_name("my-networks-uploads.png")))
            row.get_by_role("button", name="Delete").click()
            row.locator("button.danger", has_text="Delete").click()
            expect(row).to_have_count(0)
            expect(ui.page.locator("[data-my-uploads]")).to_be_hidden()
            expect(ui.page.locator("[data-my-usage]")).to_contain_text("0 uploads of 1")
            assert ui.page.request.post(f"{server.url}/api/datasets", multipart=upload).status == 201
            ui.assert_no_console_errors(allow=("413",))
    finally:
        stop_server(server)
