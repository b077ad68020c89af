"""DPS, ΠGDM and TMPD with the exact ε* of a Gaussian prior, against the exact posterior (W₂² of the samples'
Gaussian fit; the Monte-Carlo floor at N = 5,000 is ≈ 1.5e-3). TMPD's likelihood score is exact for a Gaussian
prior, so it must land on the posterior; ΠGDM (C = ν_t I) and DPS (C = 0) carry their textbook biases, DPS
under-dispersed. Each check also rejects the same sampler run with σ_y used as a variance."""
import pytest
import torch

from helpers.gaussian_posterior import BROKEN_SIGMA_Y, D_Y, PRIOR, SCHEDULE, D, N, likelihood, variance_ratio, w2_to
from invdiff.posterior import dps_guidance, guided_posterior_sample, pigdm_guidance, tmpd_guidance

EPS = PRIOR.eps_fn(SCHEDULE)


def run(make_guidance, sigma_y=0.2, steps=1000, seed=1, **kwargs):
    return guided_posterior_sample(EPS, SCHEDULE, (N, D), make_guidance(likelihood(sigma_y), **kwargs),
                                   steps=steps, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def check_tmpd(samples):
    assert w2_to(samples) < 5e-3, "TMPD with the exact prior must sample the exact posterior"


def check_pigdm(samples):
    assert w2_to(samples) < 0.08
    assert 0.9 < variance_ratio(samples) < 1.2


def check_dps(samples):
    assert w2_to(samples) < 0.15
    assert 0.7 < variance_ratio(samples) < 0.92, "DPS (C = 0) under-disperses"


def check_tmpd_diagonal(samples):
    assert w2_to(samples) < 0.05
    assert 0.93 < variance_ratio(samples) < 1.07


@pytest.mark.parametrize("make_guidance, check, kwargs", [
    (tmpd_guidance, check_tmpd, {}),
    (tmpd_guidance, check_tmpd_diagonal, {"variant": "diagonal"}),
    (pigdm_guidance, check_pigdm, {}),
    (dps_guidance, check_dps, {}),
], ids=["tmpd", "tmpd-diagonal", "pigdm", "dps"])
def test_guided_sampler_at_its_known_accuracy_and_the_variance_bug_fails_it(make_guidance, check, kwargs):
    check(run(make_guidance, **kwargs).samples)
    with pytest.raises(AssertionError):
        check(run(make_guidance, sigma_y=BROKEN_SIGMA_Y, **kwargs).samples)


def test_tmpd_is_strictly_closer_than_pigdm_and_dps():
    distances = [w2_to(run(g).samples) for g in (tmpd_guidance, pigdm_guidance, dps_guidance)]
    assert distances[0] < distances[1] / 5 and distances[0] < distances[2] / 5


def test_network_calls_and_vector_jacobian_products_are_counted():
    for make_guidance, kwargs, per_step in [(dps_guidance, {}, 1), (pigdm_guidance, {}, 1),
                                            (tmpd_guidance, {}, D_Y + 1), (tmpd_guidance, {"variant": "diagonal"}, 2)]:
        result = run(make_guidance, steps=20, **kwargs)
        assert (result.evaluations, result.vjps) == (20, 20 * per_step)


def test_zero_guidance_is_the_prior_sampler_and_negative_zeta_is_refused():
    x = guided_posterior_sample(EPS, SCHEDULE, (N, D), dps_guidance(likelihood()), steps=1000, zeta=0.0,
                                generator=torch.Generator().manual_seed(2), dtype=torch.float64).samples
    assert w2_to(x, PRIOR.mean, PRIOR.cov) < 1e-2  # the prior is wider than the posterior: a higher MC floor
    with pytest.raises(ValueError, match="zeta"):
        guided_posterior_sample(EPS, SCHEDULE, (4, D), dps_guidance(likelihood(n=4)), steps=5, zeta=-1.0)
