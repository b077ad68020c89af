"""Log-normal training times (EDM): ln std(t) follows the truncated normal exactly, for a std with a closed-form
inverse and for the cat-map SDE's."""
import numpy as np
import pytest
import torch
from scipy import stats

from invdiff.experiments.igo.cat_map_sde import CatMapSDE
from invdiff.sde.score_matching import LogNormalTimes


def _truncated(lo: float, hi: float, mean: float, sd: float):
    return stats.truncnorm((lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)


def test_times_invert_a_closed_form_std():
    # std(t) = exp(4t - 2): ln std = 4t - 2, so 4t - 2 must follow the normal truncated to [4 t_min - 2, 2]
    sampler = LogNormalTimes(lambda t: torch.exp(4 * t - 2), t_min=0.01, mean=-0.5, sd=0.8)
    t = sampler(50_000, generator=torch.Generator().manual_seed(0)).double()
    assert float(t.min()) >= 0.01 and float(t.max()) <= 1.0 and t.dtype == torch.float64
    reference = _truncated(4 * 0.01 - 2, 2.0, -0.5, 0.8)
    assert stats.kstest((4 * t - 2).numpy(), reference.cdf).pvalue > 0.01
    # a wrong mean is detected: the test can fail
    assert stats.kstest((4 * t - 2).numpy(), _truncated(4 * 0.01 - 2, 2.0, -0.3, 0.8).cdf).pvalue < 1e-6


def test_times_of_the_cat_map_sde_have_log_normal_noise_levels():
    sde = CatMapSDE(kappa=2.0)
    sampler = LogNormalTimes(sde.marginal_std, sde.t_min, mean=-1.2, sd=1.2)
    t = sampler(20_000, generator=torch.Generator().manual_seed(1))
    log_std = sde.marginal_std(t.double()).double().log().numpy()
    lo, hi = float(sampler.log_std[0]), float(sampler.log_std[-1])
    assert stats.kstest(log_std, _truncated(lo, hi, -1.2, 1.2).cdf).pvalue > 0.01
    assert np.median(t.numpy()) < 0.2  # most of the mass at small noise, unlike U(t_min, 1)


def test_a_std_that_does_not_grow_is_refused():
    with pytest.raises(ValueError, match="increase"):
        LogNormalTimes(lambda t: torch.ones_like(t), t_min=0.01, mean=0.0, sd=1.0)
