"""Take the README's screenshot: the explorer after a Backward step, one weight in the inspector.

    .venv/bin/python scripts/readme_screenshot.py [docs/images/explorer-backward.png]

Starts a server on a free loopback port with a temporary database, opens the page in
Debian's headless Chromium at 1440×900, trains the default XOR network for 15 epochs, runs
Forward, Loss and Backward on the next sample and selects the weight from hidden neuron 2 to
the output. The PNG is then reduced to a palette with `pngquant` when it is installed
(`apt-get install pngquant`), which keeps it under 100 kB.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import start_server, stop_server  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def take(out: Path, epochs: int = 15) -> None:
    server = start_server(Path(tempfile.mkdtemp()) / "screenshot.db")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
            )
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(30_000)
            page.goto(f"{server}/")
            page.wait_for_selector("body[data-ready=true]")
            page.evaluate(  # animation off: the screenshot shows the finished phase
                "() => { const s = document.querySelector('[data-speed]'); s.value = '0';"
                " s.dispatchEvent(new Event('input')); }"
            )

            def press(name: str) -> None:
                page.get_by_role("button", name=name, exact=True).click()
                page.wait_for_function("() => document.body.dataset.busy !== 'true'")

            for _ in range(epochs):
                press("Epoch")
            for name in ("Forward", "Loss", "Backward"):
                press(name)
            page.locator('.edge-hit[data-layer="2"][data-j="0"][data-i="1"]').dispatch_event("click")
            page.wait_for_timeout(800)  # the inspector's landscape arrives after the click
            page.screenshot(path=str(out))
            browser.close()
    finally:
        stop_server(server)
    if shutil.which("pngquant"):
        subprocess.run(
            ["pngquant", "--quality", "70-95", "--speed", "1", "--force", "--output", str(out), str(out)],
            check=True,
        )


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "images" / "explorer-backward.png"
    take(target)
    print(f"{target}: {target.stat().st_size // 1000} kB")
