import numpy as np
import pytest
from scipy import linalg
from scipy.spatial.distance import pdist

from invdiff.metrics.fid import ReferenceFid, fid, frechet_distance, gaussian_fit, mean_pairwise_distance


def test_closed_form_for_diagonal_gaussians():
    mu_a, mu_b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    sd_a, sd_b = np.array([1.0, 2.0, 0.5]), np.array([3.0, 1.0, 0.5])
    expected = ((mu_a - mu_b) ** 2).sum() + ((sd_a - sd_b) ** 2).sum()
    assert frechet_distance(mu_a, np.diag(sd_a**2), mu_b, np.diag(sd_b**2)) == pytest.approx(expected, rel=1e-12)


def _scipy_reference(mu_a, cov_a, mu_b, cov_b):
    covmean = linalg.sqrtm(cov_a @ cov_b).real
    return ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_scipy_sqrtm_on_random_covariances(seed):
    rng = np.random.default_rng(seed)
    d = 16
    a, b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    cov_a, cov_b = a @ a.T + 0.1 * np.eye(d), b @ b.T + 0.1 * np.eye(d)
    mu_a, mu_b = rng.normal(size=d), rng.normal(size=d)
    assert frechet_distance(mu_a, cov_a, mu_b, cov_b) == pytest.approx(_scipy_reference(mu_a, cov_a, mu_b, cov_b),
                                                                       rel=1e-8)


def test_sample_fid_small_for_same_distribution_and_large_for_shift():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5000, 8)), rng.normal(size=(5000, 8))
    assert fid(a, b) < 0.05
    assert fid(a, b + 1.0) == pytest.approx(8.0, rel=0.05)
    mu, cov = gaussian_fit(a)
    assert mu.shape == (8,) and cov.shape == (8, 8)
    with pytest.raises(ValueError):
        gaussian_fit(a[:1])


def test_mean_pairwise_distance_matches_scipy():
    x = np.random.default_rng(1).normal(size=(50, 5))
    assert mean_pairwise_distance(x) == pytest.approx(pdist(x).mean(), rel=1e-9)


def test_reference_fid_is_fid_against_the_fixed_set_and_refuses_rank_deficient_sets():
    rng = np.random.default_rng(0)
    reference, generated = rng.normal(size=(200, 4)), rng.normal(1.0, 2.0, size=(100, 4))
    score = ReferenceFid(lambda x: np.asarray(x) * 2, reference, "the test split")
    assert score(generated) == pytest.approx(fid(generated * 2, reference * 2), rel=1e-12)
    assert score(reference) == pytest.approx(0.0, abs=1e-9)  # the reference itself is its own floor
    with pytest.raises(ValueError, match="the scored set: 4 images"):
        score(generated[:4])
    with pytest.raises(ValueError, match="the test split: 3 images"):
        ReferenceFid(lambda x: x, reference[:3], "the test split")
