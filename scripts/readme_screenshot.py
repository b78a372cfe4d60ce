"""Take the documentation's screenshots of the page.

    .venv/bin/python scripts/readme_screenshot.py

Starts a server on a free loopback port with a temporary database and opens the page in
Debian's headless Chromium at 1440×900:

- docs/images/explorer-backward.png (the README): the default XOR network trained for 15
  epochs, then Forward, Loss and Backward on the next sample, the weight from hidden neuron 2
  to the output selected;
- docs/images/digits-pictures.png (docs/ui.md): the digits on 64-32-10 with L2 (λ = 0.001)
  trained for 60 epochs, then Forward: the pictures panel.

Each PNG is reduced to a palette with `pngquant` when it is installed (`apt-get install
pngquant`), which keeps it under 100 kB.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server, stop_server  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


IMAGES = ROOT / "docs" / "images"
DIGITS = "#ds=digits&h=32.tanh&out=softmax&loss=cross_entropy&val=0.2&lr=0.1&bs=10&reg=l2&rr=0.001"


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
    page.evaluate(  # animation off: the screenshot shows the finished phase
        "() => { const s = document.querySelector('[data-speed]'); s.value = '0';"
        " s.dispatchEvent(new Event('input')); }"
    )


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_function("() => document.body.dataset.busy !== 'true'")


def explorer_backward(page: Page, server: str, out: Path) -> None:
    open_page(page, f"{server}/")
    for _ in range(15):
        press(page, "Epoch")
    for name in ("Forward", "Loss", "Backward"):
        press(page, name)
    page.locator('.edge-hit[data-layer="2"][data-j="0"][data-i="1"]').dispatch_event("click")
    page.wait_for_timeout(800)  # the inspector's landscape arrives after the click
    page.screenshot(path=str(out))


def digits_pictures(page: Page, server: str, out: Path) -> None:
    open_page(page, f"{server}/{DIGITS}")
    network = page.evaluate("() => window.backpropExplorer.getState().network.id")
    trained = httpx.post(f"{server}/api/networks/{network}/train", json={"epochs": 60}, timeout=600)
    trained.raise_for_status()
    open_page(page, f"{server}/#net={network}")
    page.reload()  # the page reads the trained network afresh
    page.wait_for_selector("body[data-ready=true]")
    press(page, "Forward")
    page.wait_for_timeout(800)
    page.locator("[data-pictures]").screenshot(path=str(out))


def shrink(out: Path) -> None:
    if shutil.which("pngquant"):
        subprocess.run(
            ["pngquant", "--quality", "70-95", "--speed", "1", "--force", "--output", str(out), str(out)],
            check=True,
        )
    print(f"{out}: {out.stat().st_size // 1000} kB")


def take() -> None:
    server = start_server(Path(tempfile.mkdtemp()) / "screenshot.db")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            for shot, name in (
                (explorer_backward, "explorer-backward.png"),
                (digits_pictures, "digits-pictures.png"),
            ):
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.set_default_timeout(120_000)
                shot(page, server, IMAGES / name)
                page.close()
                shrink(IMAGES / name)
            browser.close()
    finally:
        stop_server(server)


if __name__ == "__main__":
    take()
