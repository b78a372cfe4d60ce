"""Room the pages keep before their scripts run, so nothing moves when the content lands.

The network drawing's height depends on the architecture (static/js/network-layout.js lays it
out): the page is served with its box already that tall, for the network it will show first —
the explorer's first network, or a lesson's. Where the window leaves the drawing less height,
network-layout.js draws it shorter: what that moves up is under the window's foot.
"""

from __future__ import annotations

from collections.abc import Sequence

# The explorer's first network without a link: 2 inputs, 3 tanh, 1 output (xor in
# static/js/setup.js).
EXPLORER_FIRST_LAYERS = (2, 3, 1)

# As network-layout.js: a layer wider than COLLAPSE_OVER shows SHOW_ENDS neurons at each end and
# one slot between them; each slot is SLOT units tall, between a TOP and a BOTTOM margin.
COLLAPSE_OVER = 16
SHOW_ENDS = 8
SLOT = 84
TOP, BOTTOM = 46, 22
MIN_HEIGHT, MAX_HEIGHT = 300, 560


def drawing_height(layers: Sequence[int]) -> int:
    """The height of the drawing's viewBox for layer sizes ``layers`` (inputs first)."""
    slots = max((n if n <= COLLAPSE_OVER else 2 * SHOW_ENDS + 1) for n in layers)
    return max(MIN_HEIGHT, min(MAX_HEIGHT, TOP + BOTTOM + slots * SLOT))
