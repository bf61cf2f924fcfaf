import numpy as np
import pytest

from gradcheck.numerics import finite_diff


@pytest.mark.parametrize("seed", range(5))
def test_jacobian_matches_analytic_gradient_within_its_error_bound(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(4, 7))
    W = rng.normal(size=(1, 4))
    f = lambda Wb: np.sum(np.sin(Wb @ X) + 0.5 * (Wb @ X) ** 2, axis=(-1, -2))
    V = W @ X
    exact = (np.cos(V) + V) @ X.T
    est = finite_diff.jacobian(f, W)
    assert est.value.shape == W.shape
    assert np.all(np.abs(est.value - exact) <= est.error)
    assert np.max(est.error) < 1e-7 * np.max(np.abs(exact))  # tight enough to see 1e-6 errors


def test_jacobian_batches_in_chunks_with_the_same_result(monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(9, 3))
    W = rng.normal(size=(1, 9))
    f = lambda Wb: np.exp(Wb @ X).sum(axis=(-1, -2))
    whole = finite_diff.jacobian(f, W)
    monkeypatch.setattr(finite_diff, "_CHUNK_ELEMENTS", 1)  # one coordinate per batch
    chunked = finite_diff.jacobian(f, W)
    np.testing.assert_array_equal(whole.value, chunked.value)


def test_elementwise_perturbs_all_coordinates_at_once_for_separable_functions():
    x = np.array([[0.1, -2.0, 3.5, 40.0]])
    est = finite_diff.elementwise(np.tanh, x)
    exact = 1 - np.tanh(x) ** 2
    assert np.all(np.abs(est.value - exact) <= est.error)


def test_step_stays_inside_the_domain_near_an_edge():
    z = np.array([0.5, 1e-7, 1 - 1e-7])
    h = finite_diff.steps(z, lower=0.0, upper=1.0)
    assert np.all(z - 4 * h > 0) and np.all(z + 4 * h < 1)
    est = finite_diff.elementwise(np.log1p, -z, lower=-1.0, upper=0.0)  # log(1 − z) near z = 1
    exact = 1 / (1 - z)
    assert np.all(np.abs(est.value - exact) <= est.error)
    assert np.all(np.abs(est.value - exact) <= 1e-6 * exact)


def test_no_step_on_the_domain_edge_gives_nan_not_a_wrong_number():
    est = finite_diff.elementwise(np.log, np.array([0.0, 0.5]), lower=0.0)
    assert np.isnan(est.value[0]) and np.isfinite(est.value[1])


def test_step_scales_with_the_point_and_is_exactly_representable():
    x = np.array([1e-3, 1.0, 1e4])
    h = finite_diff.steps(x)
    assert h[0] == pytest.approx(h[1], rel=1e-9) and h[2] == pytest.approx(1e4 * h[1], rel=1e-9)
    assert np.all((x + h) - x == h)


def test_linear_map_shortcut_equals_the_plain_jacobian():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(5, 8))
    W = rng.normal(size=(1, 5))
    g = lambda Vb: np.log1p(np.exp(Vb)).sum(axis=(-1, -2))
    plain = finite_diff.jacobian(lambda Wb: g(Wb @ X), W)
    linear = finite_diff.jacobian(g, W, linear_map=X)
    np.testing.assert_allclose(linear.value, plain.value, rtol=1e-9, atol=1e-12)
    exact = (1 / (1 + np.exp(-(W @ X)))) @ X.T
    assert np.all(np.abs(linear.value - exact) <= linear.error)
