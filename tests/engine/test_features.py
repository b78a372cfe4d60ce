"""Engineered input features: the columns, the checks, and the Playground classic they enable."""

import numpy as np
import pytest
from backprop_explorer.engine import EngineError, Optimizer, Trainer, build_network, evaluate, generate, train
from backprop_explorer.engine.features import (
    FEATURES,
    FeaturedDataset,
    feature_columns,
    raw_dataset,
    with_features,
)


def test_each_feature_is_its_formula_of_x1_and_x2() -> None:
    points = np.array([[0.5, -2.0], [3.0, 0.25], [-1.5, 1.0]])
    x1, x2 = points[:, 0], points[:, 1]
    expected = {
        "x1": x1,
        "x2": x2,
        "x1^2": x1**2,
        "x2^2": x2**2,
        "x1*x2": x1 * x2,
        "sin(x1)": np.sin(x1),
        "sin(x2)": np.sin(x2),
    }
    assert set(expected) == set(FEATURES)
    for name, column in expected.items():
        np.testing.assert_array_equal(feature_columns(points, [name])[:, 0], column)
    # In the order given, one column per name.
    cols = feature_columns(points, ["x1*x2", "x1", "sin(x2)"])
    np.testing.assert_array_equal(cols, np.column_stack([x1 * x2, x1, np.sin(x2)]))


@pytest.mark.parametrize(
    ("names", "fragment"),
    [([], "at least one"), (["x3"], "unknown feature 'x3'"), (["x1", "x1^2", "x1"], "'x1' is named twice")],
)
def test_bad_choices_are_refused(names: list[str], fragment: str) -> None:
    with pytest.raises(EngineError, match=fragment):
        feature_columns(np.zeros((3, 2)), names)


def test_features_need_two_dimensional_points() -> None:
    sine = generate("sine", np.random.default_rng(0), n=10)
    with pytest.raises(EngineError, match="2-D data"):
        with_features(sine, ["x1^2"])


def test_the_default_choice_leaves_the_dataset_as_it_is() -> None:
    circles = generate("circles", np.random.default_rng(1), n=50)
    assert with_features(circles, ["x1", "x2"]) is circles
    assert raw_dataset(circles) is circles


def test_a_featured_dataset_keeps_its_raw_points_and_labels() -> None:
    circles = generate("circles", np.random.default_rng(1), n=50)
    featured = with_features(circles, ["x2^2", "x1"])
    assert isinstance(featured, FeaturedDataset)
    assert raw_dataset(featured) is circles
    assert featured.feature_names == ["X2²", "X1"]
    np.testing.assert_array_equal(featured.X[:, 0], circles.X[:, 1] ** 2)
    np.testing.assert_array_equal(featured.X[:, 1], circles.X[:, 0])
    assert featured.Y is circles.Y and featured.task == "binary"


def test_squares_let_a_network_without_hidden_layer_learn_circles() -> None:
    """The TensorFlow Playground classic: r² = x1² + x2² separates the rings linearly."""
    circles = generate("circles", np.random.default_rng(3), n=200, noise=0.05)
    rng = np.random.default_rng(0)

    def accuracy_after(names: list[str]) -> float:
        data = with_features(circles, names)
        net = build_network([len(names), 1], ["sigmoid"], loss="bce", rng=np.random.default_rng(0))
        trainer = Trainer(data, batch_size=10, seed=int(rng.integers(100)))
        train(net, Optimizer("sgd", 0.5), trainer, 60)
        _, acc = evaluate(net, data.X, data.Y, data.task)
        assert acc is not None
        return acc

    assert accuracy_after(["x1^2", "x2^2"]) > 0.9
    # Without the squares a line cannot separate a ring from its inside.
    assert accuracy_after(["x1", "x2"]) < 0.7
