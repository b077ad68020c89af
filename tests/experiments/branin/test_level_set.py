import math

import numpy as np
import pytest
import torch
from scipy import stats

from invdiff.experiments.branin import data as branin
from invdiff.experiments.branin.level_set import (
    band_rejection_samples,
    conditional_points,
    exact_conditional_samples,
    level_set_points,
    level_set_scores,
    wasserstein1,
)


def paraboloid(x):
    return -(x[..., 0] ** 2 + x[..., 1] ** 2)


def test_circle_level_set_is_exact_and_uniform_in_arc_length():
    pts = level_set_points(paraboloid, (-2, -2), (2, 2), level=-1.0, n=400)
    np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 1]), 1.0, atol=1e-9)
    angles = (np.arctan2(pts[:, 1], pts[:, 0]) + 2 * np.pi) % (2 * np.pi)
    assert stats.kstest(angles / (2 * np.pi), "uniform").statistic < 0.01  # evenly spaced, not random


def test_two_loops_share_points_by_length():
    """Circles of radii 1 and 2 (zero set of a minimum): the longer one gets twice the points."""
    def f(x):
        return torch.minimum((x[..., 0] - 3) ** 2 + x[..., 1] ** 2 - 1, (x[..., 0] + 3) ** 2 + x[..., 1] ** 2 - 4)

    pts = level_set_points(f, (-6, -3), (6, 3), level=0.0, n=300)
    right = pts[:, 0] > 0
    assert right.sum() == pytest.approx(100, abs=2)


def test_missing_level_raises():
    with pytest.raises(ValueError, match="does not occur"):
        level_set_points(paraboloid, (-1, -1), (1, 1), level=5.0, n=10)


def test_wasserstein1_matches_scipy_in_one_dimension():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=300), rng.normal(1.0, 2.0, size=300)
    embed = lambda v: np.stack([v, np.zeros_like(v)], -1)  # noqa: E731
    assert wasserstein1(embed(a), embed(b)) == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-9)


def test_branin_constants_and_range():
    for x in branin.MAXIMA:
        assert branin.negative_branin(np.array(x)) == pytest.approx(branin.F_MAX, abs=1e-5)
    g = np.stack(np.meshgrid(np.linspace(-5, 10, 601), np.linspace(0, 15, 601)), -1)
    values = branin.negative_branin(g)
    assert values.max() <= branin.F_MAX + 1e-9 and values.max() == pytest.approx(branin.F_MAX, abs=1e-3)
    assert values.min() == pytest.approx(branin.F_MIN, abs=1e-9)
    assert branin.F_MIN == pytest.approx(-308.1291, abs=1e-3)


def test_scores_of_exact_level_set_points_are_perfect():
    level = -20.0
    ref = level_set_points(branin.negative_branin, branin.LOWER, branin.UPPER, level, 256)
    scores = level_set_scores(ref, branin.negative_branin, level, branin.F_RANGE, branin.LOWER, branin.UPPER, ref)
    assert scores == {"residual": pytest.approx(0, abs=1e-9), "in_domain": 1.0, "coverage": 0.0}
    # all samples piled on one point of the contour: zero residual but poor coverage
    piled = np.repeat(ref[:1], 256, axis=0)
    s = level_set_scores(piled, branin.negative_branin, level, branin.F_RANGE, branin.LOWER, branin.UPPER, ref)
    assert s["residual"] < 1e-9 and s["coverage"] > 3.0
    outside = ref + np.array([100.0, 0.0])
    assert level_set_scores(outside, branin.negative_branin, level, branin.F_RANGE, branin.LOWER, branin.UPPER,
                            ref)["in_domain"] == 0.0
    assert math.isfinite(s["coverage"])


# f = (|x|² − 1)(2 + x1): its zero set in the box is the unit circle, where |∇f| = 2 (2 + cos θ) varies, so for x
# uniform on the box the angle on the circle has the density p(θ) = √3 / (2π (2 + cos θ)) (∫ dθ/(2+cos θ) = 2π/√3).
BOX = ((-1.5, -1.5), (1.5, 1.5))


def tilted_circle(x):
    return (x[..., 0] ** 2 + x[..., 1] ** 2 - 1) * (2 + x[..., 0])


def angle_cdf(theta: np.ndarray) -> np.ndarray:
    grid = np.linspace(0, 2 * np.pi, 200_001)
    density = np.sqrt(3) / (2 * np.pi * (2 + np.cos(grid)))
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2 * np.diff(grid))])
    return np.interp(theta, grid, cdf)


def angles(points: np.ndarray) -> np.ndarray:
    return np.arctan2(points[:, 1], points[:, 0]) % (2 * np.pi)


def test_angle_density_closed_form_is_normalised():
    assert angle_cdf(np.array([2 * np.pi]))[0] == pytest.approx(1.0, abs=1e-9)


def test_conditional_points_follow_the_exact_conditional():
    pts = conditional_points(tilted_circle, *BOX, level=0.0, n=500)
    np.testing.assert_allclose(np.hypot(pts[:, 0], pts[:, 1]), 1.0, atol=1e-9)
    assert stats.kstest(angles(pts), angle_cdf).statistic < 0.005  # quantiles, not random
    uniform = level_set_points(tilted_circle, *BOX, level=0.0, n=500)
    assert stats.kstest(angles(uniform), angle_cdf).statistic > 0.08  # sup |θ/2π − F(θ)| = 0.088


def test_exact_samples_and_band_rejection_agree_with_the_closed_form():
    exact = exact_conditional_samples(tilted_circle, *BOX, 0.0, 3000, torch.Generator().manual_seed(0))
    band = band_rejection_samples(tilted_circle, *BOX, 0.0, 3000, 1e-3, torch.Generator().manual_seed(1))
    np.testing.assert_allclose(np.hypot(exact[:, 0], exact[:, 1]), 1.0, atol=1e-9)
    assert np.abs(tilted_circle(torch.as_tensor(band)).numpy()).max() < 1e-3
    assert stats.kstest(angles(exact), angle_cdf).pvalue > 1e-3
    assert stats.kstest(angles(band), angle_cdf).pvalue > 1e-3
    assert stats.ks_2samp(angles(exact), angles(band)).pvalue > 1e-3
    assert np.mean(np.cos(angles(exact))) == pytest.approx(np.sqrt(3) - 2, abs=0.03)  # E cos θ in closed form


def test_coverage_ranks_exact_samples_above_arc_length_spread_points():
    n = 400
    reference = conditional_points(tilted_circle, *BOX, 0.0, n)
    uniform = level_set_points(tilted_circle, *BOX, 0.0, n)
    score = lambda s: level_set_scores(s, tilted_circle, 0.0, 1.0, *BOX, reference)["coverage"]  # noqa: E731
    exact = [score(exact_conditional_samples(tilted_circle, *BOX, 0.0, n, torch.Generator().manual_seed(s)))
             for s in range(5)]
    assert max(exact) < score(uniform)
    assert score(reference) == 0.0


def test_branin_exact_conditional_matches_band_rejection():
    """Two independent exact samplers of p(x | f(x) = -60) on Branin's box agree coordinate by coordinate."""
    args = (branin.negative_branin, branin.LOWER, branin.UPPER, -60.0, 1500)
    exact = exact_conditional_samples(*args, torch.Generator().manual_seed(0))
    band = band_rejection_samples(*args, 0.05, torch.Generator().manual_seed(1))
    for d in range(2):
        assert stats.ks_2samp(exact[:, d], band[:, d]).pvalue > 1e-3
    uniform = level_set_points(*args)  # arc length alone differs measurably
    assert min(stats.ks_2samp(uniform[:, d], band[:, d]).pvalue for d in range(2)) < 1e-3
