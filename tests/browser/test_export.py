"""Pictures for slides: the drawing as SVG and PNG with the numbers it shows, each plot as PNG,
and Backward's animation as a WebM video, each file parsed and compared with the page."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

from .conftest import UI

SETUP = "#ds=moons&n=200&val=0.2&h=4.tanh&lr=0.1&bs=10"
SVG_NS = "{http://www.w3.org/2000/svg}"


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, channels, raw pixel rows) of an 8-bit, non-interlaced RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    channels = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(idat), width * channels
    rows, prev = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows += line
        prev = line
    return width, height, channels, bytes(rows)


# Matroska/WebM element ids: the masters walked into, and the leaves read.
MASTERS = {0x18538067, 0x1654AE6B, 0xAE, 0xE0, 0x1F43B675}  # Segment, Tracks, TrackEntry, Video, Cluster
PIXEL_WIDTH, PIXEL_HEIGHT = 0xB0, 0xBA
FRAMES = {0xA3, 0xA0}  # SimpleBlock, BlockGroup: one frame each


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int]:
    first = data[pos]
    length = 8 - first.bit_length() + 1
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for k in range(1, length):
        value = (value << 8) | data[pos + k]
    return value, pos + length


def webm_video(data: bytes) -> tuple[int, int, int]:
    """(pixel width, pixel height, frames) of a WebM file, read element by element: masters
    (whose size a recorder may leave unknown) are walked into, other elements skipped."""
    header_id, pos = _vint(data, 0, True)
    assert header_id == 0x1A45DFA3
    size, pos = _vint(data, pos, False)
    pos += size
    width = height = frames = 0
    while pos < len(data):
        element, pos = _vint(data, pos, True)
        size, pos = _vint(data, pos, False)
        if element in MASTERS:
            continue
        if element in (PIXEL_WIDTH, PIXEL_HEIGHT):
            value = int.from_bytes(data[pos : pos + size], "big")
            width, height = (value, height) if element == PIXEL_WIDTH else (width, value)
        elif element in FRAMES:
            frames += 1
        pos += size
    return width, height, frames


def save(ui: UI, selector: str, tmp_path: Path, timeout: float = 30_000) -> Path:
    with ui.page.expect_download(timeout=timeout) as download:
        ui.page.locator(selector).click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return path


def viewbox(ui: UI) -> list[float]:
    return ui.page.evaluate(
        "() => { const b = document.querySelector('[data-network]').viewBox.baseVal;"
        " return [b.width, b.height]; }"
    )


def after_backward(ui: UI) -> None:
    ui.open(SETUP)
    for name in ("Epoch", "Forward", "Loss", "Backward"):
        ui.press(name)


def test_the_drawing_as_svg_holds_the_numbers_on_screen(ui: UI, tmp_path: Path) -> None:
    after_backward(ui)
    path = save(ui, "[data-export=drawing-svg]", tmp_path)
    assert path.name.endswith("-backward.svg")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg"
    box = viewbox(ui)
    assert [float(root.get("width") or 0), float(root.get("height") or 0)] == box
    # Every text the drawing shows, in order, and nothing it hides.
    shown = ui.page.evaluate(
        """() => [...document.querySelectorAll('[data-network] text')].filter(t => {
            for (let e = t; e && e.tagName !== 'svg'; e = e.parentElement) {
                const s = getComputedStyle(e);
                if (s.display === 'none' || s.visibility === 'hidden') return false;
            }
            return true; }).map(t => t.textContent)"""
    )
    exported = ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]
    assert exported == shown and len(shown) > 20
    # Backward's numbers among them: a δ under each of the five neurons that have one.
    assert sum(t.startswith("δ") for t in exported) == 5
    # It stands alone: no classes, no style sheet, no outside reference; colours as attributes.
    text = path.read_text(encoding="utf-8")
    assert "class=" not in text and "<link" not in text and "http://" not in text.replace(SVG_NS[1:-1], "")
    fills = ui.page.evaluate(
        "() => [...document.querySelectorAll('[data-network] circle.body')]"
        ".map(c => getComputedStyle(c).fill)"
    )
    body_fills = [
        c.get("fill") for c in root.iter(f"{SVG_NS}circle") if c.get("r") and c.get("fill") in fills
    ]
    assert len(body_fills) >= len(fills) == 7
    ui.assert_no_console_errors()


def test_the_drawing_as_png_has_the_neurons_colours_where_the_page_draws_them(ui: UI, tmp_path: Path) -> None:
    after_backward(ui)
    path = save(ui, "[data-export=drawing-png]", tmp_path)
    width, height, channels, pixels = decode_png(path.read_bytes())
    box = viewbox(ui)
    assert (width, height) == (round(box[0] * 2), round(box[1] * 2))
    neurons = ui.page.evaluate(
        """() => [...document.querySelectorAll('[data-network] circle.body')].map(c => ({
            cx: c.cx.baseVal.value, cy: c.cy.baseVal.value, r: c.r.baseVal.value,
            fill: getComputedStyle(c).fill.match(/\\d+/g).map(Number) }))"""
    )
    assert len(neurons) == 7
    for n in neurons:
        # Inside the circle, below the number written in it.
        x, y = round(n["cx"] * 2), round((n["cy"] + 0.7 * n["r"]) * 2)
        at = (y * width + x) * channels
        assert all(abs(pixels[at + k] - n["fill"][k]) <= 3 for k in range(3)), (n, pixels[at : at + 3])
    ui.assert_no_console_errors()


def test_each_plot_saves_as_the_png_of_its_pixels(ui: UI, tmp_path: Path) -> None:
    after_backward(ui)
    for plot in ("loss", "steps", "boundary", "grads"):
        path = save(ui, f"[data-export-plot={plot}]", tmp_path)
        width, height, channels, pixels = decode_png(path.read_bytes())
        page = ui.page.evaluate(
            """(name) => { const c = document.querySelector(`canvas[data-plot="${name}"]`);
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            return [c.width, c.height, Array.from(d.filter((_, k) => k % 4 !== 3))]; }""",
            plot,
        )
        assert (width, height) == (page[0], page[1]), plot
        rgb = bytes(v for k, v in enumerate(pixels) if channels == 3 or k % 4 != 3)
        assert rgb == bytes(page[2]), plot
    ui.assert_no_console_errors()


def test_backward_is_recorded_as_a_webm_video(ui: UI, tmp_path: Path) -> None:
    ui.open(SETUP, speed="1×")
    ui.press("Epoch")
    path = save(ui, "[data-export=record]", tmp_path, timeout=90_000)
    data = path.read_bytes()
    assert path.suffix == ".webm" and len(data) > 2_000
    assert data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]  # EBML header, doctype webm
    # It ran the step up to Backward, whose animation it recorded.
    assert ui.phase() == "backward"
    # Its video track has the drawing's size and holds many frames.
    width, height, frames = webm_video(data)
    box = viewbox(ui)
    assert [width, height] == [round(box[0]), round(box[1])] and frames >= 10
    ui.assert_no_console_errors()


def test_the_graph_and_the_landscape_save_as_pictures(ui: UI, tmp_path: Path) -> None:
    after_backward(ui)
    ui.page.locator('.edge-hit[data-layer="1"][data-j="0"][data-i="0"]').dispatch_event("click")
    ui.page.locator("[data-graph]").scroll_into_view_if_needed()  # the graph loads when first seen
    ui.page.wait_for_function(
        "() => document.querySelector('[data-graph]').dataset.state === 'drawn'"
        " && document.querySelector('[data-landscape]').dataset.state === 'drawn'"
    )
    root = ET.parse(save(ui, "[data-export=graph-svg]", tmp_path)).getroot()
    shown = ui.page.evaluate(
        "() => [...document.querySelectorAll('[data-graph-plot] text')].map(t => t.textContent)"
    )
    assert ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")] == shown
    assert any(t.startswith("grad ") and t != "grad …" for t in shown)
    width, height, _, _ = decode_png(save(ui, "[data-export=graph-png]", tmp_path).read_bytes())
    assert (width, height) == (2 * float(root.get("width") or 0), 2 * float(root.get("height") or 0))
    width, height, _, _ = decode_png(save(ui, "[data-export=landscape-png]", tmp_path).read_bytes())
    box = ui.page.evaluate(
        "() => { const s = document.querySelector('[data-landscape-plot] svg').viewBox.baseVal;"
        " return [s.width, s.height]; }"
    )
    assert (width, height) == (2 * box[0], 2 * box[1])
    ui.assert_no_console_errors()
