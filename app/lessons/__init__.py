"""Lessons: guided paths through backpropagation on a live network.

``LESSONS`` maps each lesson id to its :class:`~.schemas.Lesson`, in the order a learner
takes them; :mod:`.runner` says how a step runs and renders, :mod:`.placeholders` how its
text quotes the server's numbers.
"""

from __future__ import annotations

from . import basics, depth, training
from .runner import filled_in
from .schemas import Lesson

ORDER = (
    "one-neuron",
    "loss",
    "chain-rule",
    "worked-example",
    "batches-epochs",
    "house-prices",
    "vanishing-gradients",
    "learning-rate",
    "softmax",
    "overfitting",
)


def _collect() -> dict[str, Lesson]:
    by_id = {lesson.id: lesson for lesson in (*basics.LESSONS, *training.LESSONS, *depth.LESSONS)}
    # Each step carries the request it makes and the context it reads, so a client needs no
    # table of its own.
    return {
        lesson_id: by_id[lesson_id].model_copy(
            update={"steps": [filled_in(s) for s in by_id[lesson_id].steps]}
        )
        for lesson_id in ORDER
    }


LESSONS = _collect()
