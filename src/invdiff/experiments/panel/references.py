"""Closed-form references the latent ODEs must beat, fitted on the train sequences and scored by the same code.

- ``linear``: interpolation = the observed window projected on its top-d_z principal components (the best linear
  code of the models' latent size); extrapolation = the ridge regression of the following steps on the observed
  window (the conditional mean of a Gaussian fitted to the train sequences, ridge-regularised), in dual form.
- ``persistence``: extrapolation = the last observed step, repeated.
- ``train_mean``: every step = the train sequences' mean at that step.

Sequences are flattened [N, T, D]; a reference returns a full trajectory prediction [N, T, D] (the interpolation
window of ``persistence`` is the observation itself and is not scored).
"""
from __future__ import annotations

import torch


def flat(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(x.shape[0], x.shape[1], -1).double()


def train_mean(train: torch.Tensor, test: torch.Tensor) -> torch.Tensor:
    return flat(train).mean(0, keepdim=True).expand(len(test), -1, -1)


def persistence(test: torch.Tensor, interp_steps: int) -> torch.Tensor:
    x = flat(test)
    return torch.cat([x[:, :interp_steps], x[:, interp_steps - 1:interp_steps].expand(-1, x.shape[1] - interp_steps,
                                                                                         -1)], dim=1)


def pca_reconstruction(train: torch.Tensor, test: torch.Tensor, rank: int) -> torch.Tensor:
    """test [N, D] projected on the top-``rank`` principal subspace of train [M, D] (about the train mean)."""
    mean = train.mean(0)
    _, _, vh = torch.linalg.svd(train - mean, full_matrices=False)
    basis = vh[:rank]
    return mean + (test - mean) @ basis.T @ basis


def ridge_forecast(past: torch.Tensor, future: torch.Tensor, test_past: torch.Tensor, ridge: float) -> torch.Tensor:
    """E[future | past] of the ridge regression fitted on (past [M, P], future [M, F]), at test_past [N, P]; the
    dual form (an M x M solve) so that P in the thousands costs nothing; ``ridge`` is per train sequence."""
    mu_p, mu_f = past.mean(0), future.mean(0)
    a, b = past - mu_p, future - mu_f
    gram = a @ a.T
    coef = torch.linalg.solve(gram + ridge * len(a) * torch.eye(len(a), dtype=a.dtype), b)
    return mu_f + (test_past - mu_p) @ a.T @ coef


def linear(train: torch.Tensor, test: torch.Tensor, interp_steps: int, rank: int, ridge: float) -> torch.Tensor:
    tr, te = flat(train), flat(test)
    n, t, d = te.shape
    k = interp_steps
    interp = pca_reconstruction(tr[:, :k].reshape(len(tr), -1), te[:, :k].reshape(n, -1), rank).view(n, k, d)
    extrap = ridge_forecast(tr[:, :k].reshape(len(tr), -1), tr[:, k:].reshape(len(tr), -1),
                            te[:, :k].reshape(n, -1), ridge).view(n, t - k, d)
    return torch.cat([interp, extrap], dim=1)


def window_mse(prediction: torch.Tensor, truth: torch.Tensor, interp_steps: int) -> dict[str, torch.Tensor]:
    """Per-sequence MSE over the interpolation window and the extrapolation window: {"interp", "extrap"} [N]."""
    err = (flat(prediction) - flat(truth)).pow(2).mean(-1)
    return {"interp": err[:, :interp_steps].mean(1), "extrap": err[:, interp_steps:].mean(1)}
