"""IGO task: the score parameterisation, the loss, one optimisation step, and the task registry."""
import pytest
import torch

from helpers.params import tiny_params
from invdiff.errors import ConfigError
from invdiff.experiments.igo.task import IgoScoreModel, IgoTask, alpha_label, extra_training_seeds
from invdiff.experiments.registry import get_task
from invdiff.sde.score_matching import score_matching_loss

SDE = {"kappa": 2.0, "sigma": 25.0, "em_steps": 100, "t_min": 1e-3}
OPTIM = {"lr": 1e-3, "weight_decay": 0.0, "lr_decay": "constant", "max_steps": 10, "batch_size": 8}
NET = {"channels": [8, 16, 32, 64], "embed_dim": 32, "fourier_scale": 30.0}


def model(alpha=0.8, preconditioning="gaussian_skip"):
    torch.manual_seed(0)
    m = IgoScoreModel({**NET, "preconditioning": preconditioning}, SDE, alpha, OPTIM, data_std=0.5)
    m.data_mean.fill_(-0.5)
    return m


@pytest.mark.parametrize("preconditioning", ["gaussian_skip", "wiener"])
def test_with_a_silent_network_the_score_is_the_exact_gaussian_data_score(preconditioning):
    """F ≡ 0 leaves −K_t⁻¹(x − M_t μ): the exact score for data N(μ, σ_d² I), here checked densely."""
    m = model(preconditioning=preconditioning)
    for layer in (m.net.out, m.net.decoder_tau):
        torch.nn.init.zeros_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    x, t = torch.randn(2, 1, 28, 28), torch.tensor([0.3, 0.9])
    sde = m.sde
    eye = torch.eye(784, dtype=torch.float64)
    for i in range(2):
        tt = t[i:i + 1].double()
        mean_map = sde.ops.apply(sde.mean_spectrum(tt)[0], eye).T
        sigma = sde.ops.apply(sde.variance_spectrum(tt)[0].to(torch.complex128), eye).T
        cov = 0.25 * mean_map @ mean_map.T + sigma
        expected = -torch.linalg.solve(cov, x[i].reshape(-1).double() - mean_map @ torch.full((784,), -0.5).double())
        for score in (m.score, m.intermediate_score):
            torch.testing.assert_close(score(x, t)[i].reshape(-1).double(), expected, atol=1e-5, rtol=1e-4)


def test_wiener_estimate_is_the_dense_linear_mmse_and_the_network_enters_through_sigma_inv_m():
    """x̃₀ = μ + v Mᵀ K⁻¹ (x − M μ), its error std² = mean diag(v I − v² Mᵀ K⁻¹ M), its signal std² = mean
    diag(v² Mᵀ K⁻¹ M); and the wiener score minus the Gaussian one is Σ⁻¹ M (e F)."""
    m = model(preconditioning="wiener")
    sde, v = m.sde, 0.25
    x, t = torch.randn(2, 1, 28, 28), torch.tensor([0.05, 0.7])
    post = sde.gaussian_posterior(x, t, m.data_mean, v)
    eye = torch.eye(784, dtype=torch.float64)
    mu = torch.full((784,), -0.5, dtype=torch.float64)
    for i in range(2):
        tt = t[i:i + 1].double()
        mean_map = sde.ops.apply(sde.mean_spectrum(tt)[0], eye).T
        sigma = sde.ops.apply(sde.variance_spectrum(tt)[0].to(torch.complex128), eye).T
        gain = v * mean_map.T @ torch.linalg.inv(v * mean_map @ mean_map.T + sigma)
        expected = mu + gain @ (x[i].reshape(-1).double() - mean_map @ mu)
        torch.testing.assert_close(post.estimate[i].reshape(-1).double(), expected, atol=1e-5, rtol=1e-4)
        error = v * eye - v * gain @ mean_map
        torch.testing.assert_close(post.error_std[i].double() ** 2, error.diagonal().mean(), rtol=1e-4, atol=1e-7)
        torch.testing.assert_close(post.signal_std[i].double() ** 2, (v * gain @ mean_map).diagonal().mean(),
                                   rtol=1e-4, atol=1e-7)
        network_out = m.net((post.estimate - m.data_mean) / post.signal_std.view(-1, 1, 1, 1), t)
        difference = (m.score(x, t) - post.score)[i].reshape(-1).double()
        expected = torch.linalg.solve(sigma, mean_map @ network_out[i].reshape(-1).double()) * post.error_std[i]
        torch.testing.assert_close(difference, expected, atol=1e-4, rtol=1e-3)


def test_without_the_gaussian_term_the_score_is_the_scaled_network_alone():
    m = model(preconditioning="none")
    x, t = torch.randn(2, 1, 28, 28), torch.tensor([0.2, 0.9])
    std = m.sde.marginal_std(t).view(-1, 1, 1, 1)
    expected = m.net(x / (std ** 2 + 0.25).sqrt(), t) / std
    torch.testing.assert_close(m.score(x, t), expected)
    with pytest.raises(ValueError, match="unknown preconditioning"):
        model(preconditioning="spectral")


def test_score_matching_loss_is_the_std_weighted_squared_error():
    score, target, std = torch.ones(2, 1, 2, 2), torch.zeros(2, 1, 2, 2), torch.tensor([1.0, 3.0])
    assert score_matching_loss(score, target, std) == pytest.approx((1 + 9) / 2)


def test_alpha_one_trains_only_the_full_path_and_alpha_below_mixes_both():
    x0 = torch.rand(8, 1, 28, 28) * 2 - 1
    full, intermediate = model(1.0).losses(x0)
    assert intermediate is None and full > 0
    full, intermediate = model(0.6).losses(x0)
    assert intermediate is not None and intermediate > 0


def test_one_training_step_lowers_the_loss_on_a_fixed_batch():
    m = model(0.8)
    x0 = torch.rand(16, 1, 28, 28) * 2 - 1
    optimizer = torch.optim.Adam(m.parameters(), lr=1e-3)

    def loss_value():
        torch.manual_seed(123)  # the same t and noise draws before and after the step
        full, inter = m.losses(x0)
        return 0.8 * full + 0.2 * inter

    before = loss_value()
    optimizer.zero_grad()
    before.backward()
    optimizer.step()
    with torch.no_grad():
        after = loss_value()
    assert after < before


def test_task_registry_names_and_labels():
    task = get_task("igo_alpha0.9")
    assert task.alpha == 0.9 and task.name == "igo_alpha0.9" and task.experiment == "igo"
    assert alpha_label(1) == "1.0" and alpha_label(0.6) == "0.6"
    with pytest.raises(ValueError, match="igo_alpha<alpha>"):
        get_task("igo_alphaX")
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        get_task("igo_alpha1.5")


def test_further_training_seeds_follow_the_params_seed_for_the_listed_alphas_only():
    params = tiny_params(**{"seed": 7, "igo.training_seeds.alphas": [0.5], "igo.training_seeds.count": 3})
    assert extra_training_seeds(params, 0.5) == [8, 9] and extra_training_seeds(params, 1.0) == []
    assert extra_training_seeds(tiny_params(**{"igo.training_seeds.count": 1}), 1.0) == []
    with pytest.raises(ConfigError, match=r"igo.training_seeds.alphas \[0.7\]"):
        tiny_params(**{"igo.training_seeds.alphas": [0.7]})


def test_time_sampling_and_weight_averaging_reach_the_model_and_the_fingerprint():
    params = tiny_params(**{"igo.time_sampling.name": "log_normal", "igo.ema.enabled": True})
    task = IgoTask(1.0)
    assert task.averaging(params).decay == params.igo.ema.decay
    assert task.averaging(tiny_params()) is None
    assert task.section(params).time_sampling.name == "log_normal"
    m = IgoScoreModel(NET, SDE, 1.0, OPTIM, time_sampling={"name": "log_normal", "mean": -1.2, "sd": 1.2})
    t = m.training_times(4000, "cpu")
    uniform = model().training_times(4000, "cpu")
    assert float(t.median()) < 0.2 < float(uniform.median()) and float(t.min()) >= SDE["t_min"]
