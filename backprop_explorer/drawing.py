"""A network drawn as a static SVG, for notebooks (``Network._repr_html_``): no script, no styles
from outside, every number the server's.

The drawing follows the page's: inputs on the left, the output on the right, each neuron
ringed in its activation's colour, each edge blue for w > 0 and orange for w < 0 with a width
∝ |w|, a small square per bias. A layer wider than 16 neurons shows its first and last 8.
Hovering any element shows its value (an SVG ``<title>``), named as the page names it: the
layers by the titles of the drawing's columns (Input, Hidden 1, Hidden 2, …, Output; the API's
layer l is Hidden l, its last layer the Output), so "w1,2 of Hidden 1", "b1 of Output",
"neuron 2 of Hidden 1", "input 1", "output neuron ŷ". After a forward pass, each neuron is
filled by its activation a on the pass's first sample and writes it.
"""

from __future__ import annotations

from html import escape

import numpy as np

from .results import ForwardTrace, NetworkInfo

POS, NEG, INK, MUTED, LINE = "#2166ac", "#e66101", "#1d2330", "#8a93a3", "#d7dbe2"
ACTIVATION_COLOURS = {
    "linear": "#8a8f99",
    "sigmoid": "#009E73",
    "tanh": "#CC79A7",
    "relu": "#E69F00",
    "leaky_relu": "#D55E00",
    "softmax": "#56B4E9",
}
FOLD, KEEP = 16, 8  # a layer wider than FOLD draws its first and last KEEP neurons
R = 19  # neuron radius, px: room for a value such as −0.05281 inside


def fmt(value: float) -> str:
    """4 significant digits, as the page shows them, with a true minus sign."""
    return f"{value:.4g}".replace("-", "−")


def shown(n: int) -> list[int | None]:
    """The neurons of a layer of ``n`` drawn, top to bottom; None marks the fold."""
    if n <= FOLD:
        return list(range(n))
    return [*range(KEEP), None, *range(n - KEEP, n)]


def layer_name(l: int, last: int) -> str:
    """The page's name of layer ``l`` (1..``last``, as the API numbers them): "Hidden l", or
    "Output" for the last."""
    return "Output" if l == last else f"Hidden {l}"


def column_name(l: int, last: int) -> str:
    """The drawing's title of column ``l`` (0: the inputs): "Input", "Hidden l" or "Output"."""
    return "Input" if l == 0 else layer_name(l, last)


def neuron_words(l: int, last: int, j: int, output: str) -> str:
    """Neuron ``j`` (0-based) of layer ``l`` in the page's words: "input 1", "neuron 2 of
    Hidden 1", or "output neuron ``output``" (its label on the drawing)."""
    if l == 0:
        return f"input {j + 1}"
    return f"output neuron {output}" if l == last else f"neuron {j + 1} of {layer_name(l, last)}"


def _mix(colour: str, t: float) -> str:
    """``colour`` faded towards white by 1 − t (t in [0, 1])."""
    rgb = [int(colour[k : k + 2], 16) for k in (1, 3, 5)]
    r, g, b = (round(255 + (c - 255) * min(1.0, max(0.0, t))) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def output_label(info: NetworkInfo, j: int) -> str:
    """Output neuron ``j``'s label on the drawing: "ŷ", or "ŷ <target name>" among several."""
    return f"ŷ {info.target_names[j]}" if info.layers[-1] > 1 else "ŷ"


def network_svg(info: NetworkInfo, forward: ForwardTrace | None = None) -> str:
    """The network ``info`` describes, with its current weights and biases; with ``forward``
    (the last forward pass), each neuron's activation on the pass's first sample."""
    sizes = info.layers
    last = len(sizes) - 1
    columns = [shown(n) for n in sizes]
    rows = max(len(c) for c in columns)
    left, right = 120, 130
    gap_x = max(120, min(200, 640 // max(1, len(sizes) - 1)))
    gap_y = 52 if rows <= 8 else 44
    width = left + gap_x * (len(sizes) - 1) + right
    height = 56 + gap_y * rows + 44

    def position(layer: int, slot: int) -> tuple[float, float]:
        top = 56 + (rows - len(columns[layer])) * gap_y / 2
        return left + layer * gap_x, top + slot * gap_y + gap_y / 2

    parts: list[str] = []
    weights, biases = info.parameters.weights, info.parameters.biases
    largest = max((float(np.abs(W).max()) for W in weights if W.size), default=1.0) or 1.0
    # Edges under the neurons: from each drawn neuron i of layer l−1 into each drawn j of layer l.
    for l, W in enumerate(weights, start=1):
        for sj, j in enumerate(columns[l]):
            for si, i in enumerate(columns[l - 1]):
                if j is None or i is None:
                    continue
                w = float(W[j, i])
                (x1, y1), (x2, y2) = position(l - 1, si), position(l, sj)
                parts.append(
                    f'<line class="edge" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                    f'stroke="{POS if w >= 0 else NEG}" stroke-width="{0.6 + 4 * abs(w) / largest:.2f}" '
                    f'stroke-opacity="0.75" data-layer="{l}" data-j="{j}" data-i="{i}">'
                    f"<title>w{j + 1},{i + 1} of {layer_name(l, last)} = {w!r}</title></line>"
                )
    # Neurons, biases and names.
    a0 = [layer.a[0] for layer in forward.layers] if forward is not None else None
    for l, column in enumerate(columns):
        activation = "input" if l == 0 else info.activations[l - 1]
        ring = INK if l == 0 else ACTIVATION_COLOURS.get(activation, MUTED)
        title = column_name(l, last)
        x, _ = position(l, 0)
        parts.append(
            f'<text x="{x:.1f}" y="22" text-anchor="middle" font-weight="600" fill="{INK}">{title}</text>'
            + (
                ""
                if l == 0
                else f'<text x="{x:.1f}" y="38" text-anchor="middle" fill="{ring}">{activation}</text>'
            )
        )
        for slot, j in enumerate(column):
            cx, cy = position(l, slot)
            if j is None:
                parts.append(
                    f'<text x="{cx:.1f}" y="{cy + 4:.1f}" text-anchor="middle" fill="{MUTED}">'
                    f"⋮ {sizes[l] - 2 * KEEP} more</text>"
                )
                continue
            value = None
            if l == 0 and forward is not None:
                value = float(forward.inputs[0, j])
            elif l > 0 and a0 is not None:
                value = float(a0[l - 1][j])
            fill = (
                "#ffffff" if value is None else _mix(POS if value >= 0 else NEG, min(1.0, abs(value)) * 0.8)
            )
            words = neuron_words(l, last, j, output_label(info, j))
            hover = words + ("" if value is None else f": {'x' if l == 0 else 'a'} = {value!r}")
            parts.append(
                f'<circle class="neuron" cx="{cx:.1f}" cy="{cy:.1f}" r="{R}" fill="{fill}" stroke="{ring}" '
                f'stroke-width="3" data-layer="{l}" data-j="{j}"><title>{escape(hover)}</title></circle>'
            )
            if value is not None:
                colour = "#ffffff" if abs(value) > 0.6 else INK
                text = fmt(value)
                parts.append(
                    f'<text x="{cx:.1f}" y="{cy + 3:.1f}" text-anchor="middle" '
                    f'font-size="{8.5 if len(text) <= 7 else 7}" fill="{colour}">{text}</text>'
                )
            if l > 0:
                b = float(biases[l - 1][j])
                named = f"b{j + 1} of {layer_name(l, last)}"
                parts.append(
                    f'<rect class="bias" x="{cx - 4:.1f}" y="{cy - R - 9:.1f}" width="8" height="8" '
                    f'fill="{_mix(POS if b >= 0 else NEG, min(1.0, abs(b) / largest))}" stroke="{MUTED}" '
                    f'data-layer="{l}" data-j="{j}"><title>{named} = {b!r}</title></rect>'
                )
            if l == 0:
                name = info.feature_names[j]
                parts.append(
                    f'<text x="{cx - R - 8:.1f}" y="{cy + 4:.1f}" text-anchor="end" fill="{INK}">'
                    f"{escape(name)}</text>"
                )
            elif l == last:
                label = escape(output_label(info, j))
                parts.append(f'<text x="{cx + R + 8:.1f}" y="{cy + 4:.1f}" fill="{INK}">{label}</text>')
    caption = (
        f"{'–'.join(map(str, sizes))} network {info.id}: epoch {info.epoch}, step {info.step}, "
        f"phase {info.phase}"
    )
    key = f"blue w > 0, orange w < 0, width ∝ |w| (largest {fmt(largest)})" + (
        "; in the neurons: a on sample 1 of the last forward pass" if forward is not None else ""
    )
    width = max(width, round(6.2 * max(len(caption), len(key))) + 16)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12" '
        f'role="img" aria-label="{escape(caption)}. {escape(key)}">'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>'
        + "".join(parts)
        + f'<text x="8" y="{height - 24}" fill="{MUTED}" font-size="11">{escape(caption)}</text>'
        + f'<text x="8" y="{height - 9}" fill="{MUTED}" font-size="11">{escape(key)}</text></svg>'
    )
