"""Data distributions whose optimal epsilon-predictor is known in closed form.

For x_0 ~ sum_k pi_k N(mu_k, S_k), the noised marginal is p_t = sum_k pi_k N(sqrt(abar) mu_k, abar S_k + (1-abar) I),
and the MMSE noise predictor is eps*(x_t, t) = -sqrt(1 - abar_t) * grad log p_t(x_t).
"""
import torch


class GaussianMixture:
    def __init__(self, weights, means, covs):
        self.weights = torch.as_tensor(weights, dtype=torch.float64)
        self.means = torch.as_tensor(means, dtype=torch.float64)  # [K, d]
        self.covs = torch.as_tensor(covs, dtype=torch.float64)  # [K, d, d]

    @property
    def dim(self):
        return self.means.shape[1]

    def sample(self, n, generator=None):
        k = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        chol = torch.linalg.cholesky(self.covs)[k]
        z = torch.randn(n, self.dim, 1, dtype=torch.float64, generator=generator)
        return self.means[k] + (chol @ z).squeeze(-1)

    def score(self, x, abar):
        """grad_x log p_t(x) for x [B, d] and abar [B] (float64)."""
        x = x.double()
        a = abar.double().reshape(-1, 1, 1, 1)  # [B,1,1,1]
        eye = torch.eye(self.dim, dtype=torch.float64)
        cov = a * self.covs[None] + (1 - a) * eye  # [B, K, d, d]
        mean = a.squeeze(-1).sqrt() * self.means[None]  # [B, K, d]
        diff = x[:, None, :] - mean  # [B, K, d]
        prec_diff = torch.linalg.solve(cov, diff.unsqueeze(-1)).squeeze(-1)  # [B, K, d]
        logdet = torch.logdet(cov)
        log_comp = torch.log(self.weights)[None] - 0.5 * (diff * prec_diff).sum(-1) - 0.5 * logdet
        resp = torch.softmax(log_comp, dim=1)  # [B, K]
        return -(resp[..., None] * prec_diff).sum(1)

    def eps_fn(self, schedule):
        abars = schedule.alpha_bars

        def eps(x, t):
            abar = abars[t]
            return (-(1 - abar).sqrt()[:, None] * self.score(x, abar)).to(x.dtype)

        return eps
