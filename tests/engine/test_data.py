import numpy as np
import pytest
from backprop_explorer.engine import GENERATORS, EngineError, from_arrays, generate


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_are_seeded_and_well_formed(name):
    a = generate(name, np.random.default_rng(7), n=60, noise=0.2)
    b = generate(name, np.random.default_rng(7), n=60, noise=0.2)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert a.X.shape[0] == a.Y.shape[0] == (4 if name in ("xor", "and", "or") else 60)
    assert a.X.shape[1] == len(a.feature_names) and a.Y.shape[1] == len(a.target_names)
    assert np.isfinite(a.X).all() and np.isfinite(a.Y).all()
    if a.task == "binary":
        assert set(np.unique(a.Y)) == {0.0, 1.0}
    elif a.task == "multiclass":
        assert (a.Y.sum(axis=1) == 1).all() and a.Y.shape[1] >= 3


def test_truth_tables():
    for name, out in (("xor", [0, 1, 1, 0]), ("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1])):
        d = generate(name, np.random.default_rng(0))
        np.testing.assert_array_equal(d.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
        np.testing.assert_array_equal(d.Y[:, 0], out)


def test_quadrants_label_by_sign_of_product():
    d = generate("quadrants", np.random.default_rng(0), n=200, noise=0.0)
    np.testing.assert_array_equal(d.Y[:, 0], (d.X[:, 0] * d.X[:, 1] > 0).astype(float))


def test_spiral_classes_and_house_prices_standardized():
    three = generate("spiral", np.random.default_rng(0), n=90, classes=3)
    assert three.task == "multiclass" and three.Y.shape == (90, 3)
    assert generate("spiral", np.random.default_rng(0), n=90).task == "binary"
    house = generate("house_prices", np.random.default_rng(0), n=300)
    assert house.feature_names == ["size", "location score", "amenities"]
    np.testing.assert_allclose(house.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(house.X.std(axis=0), 1)


def test_user_arrays_infer_the_task():
    assert from_arrays([[0], [1]], [0, 1]).task == "binary"
    assert from_arrays([[0], [1]], [[1, 0, 0], [0, 0, 1]]).task == "multiclass"
    assert from_arrays([[0], [1]], [[0.5], [2.0]]).task == "regression"
    with pytest.raises(EngineError):
        from_arrays([[0], [1]], [[0.5]])
    with pytest.raises(EngineError):
        from_arrays([[np.nan]], [[0.5]])


def test_bad_generator_arguments():
    with pytest.raises(EngineError, match="unknown dataset"):
        generate("mnist", np.random.default_rng(0))
    with pytest.raises(EngineError):
        generate("spiral", np.random.default_rng(0), classes=5)
    with pytest.raises(EngineError):
        generate("moons", np.random.default_rng(0), noise=-1)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_house_prices_with_very_few_samples_is_finite(n):
    # With n = 1 every column has zero spread; with a few rows the amenities count often does.
    for seed in range(20):
        data = generate("house_prices", np.random.default_rng(seed), n=n)
        assert data.X.shape == (n, 3) and np.isfinite(data.X).all() and np.isfinite(data.Y).all()
        np.testing.assert_allclose(data.X.mean(axis=0), 0.0, atol=1e-12)
        spread = data.X.std(axis=0)
        assert np.all((np.abs(spread - 1) < 1e-12) | (spread == 0))


def test_house_prices_is_standardized_with_population_spread():
    data = generate("house_prices", np.random.default_rng(0), n=200)
    np.testing.assert_allclose(data.X.std(axis=0, ddof=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(data.Y.std(ddof=0), 1.0, rtol=1e-12)
