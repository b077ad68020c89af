"""The score-based point-cloud denoiser of Luo & Hu (ICCV 2021), smaller for a CPU, with IGO's intermediate pathway.

Feature extraction: edge convolutions over each point's k nearest neighbours (a static graph on the positions),
densely concatenated into a per-point feature h_i. The first convolution sees only the offsets x_j - x_i, so the
features do not depend on where the cloud sits.

Score estimation: for a frame centre x_i and a point x near it, S_i(x - x_i) = D(s(E([x - x_i, h_i]))) is the
displacement from x to the surface; E is the first perceptron, s the residual middle, D the last perceptron.
IGO (Mishra et al. Section 4.3) adds E_tau and D_tau, copies of E and D initialised at half their weights, that the
intermediate iterate x_tau goes through: E_tau -> s -> D_tau. The denoiser ascends the ensembled score
E(x) = mean over the frame centres x_i nearest x of S_i(x - x_i).

Positions enter in units of ``unit`` (the spacing of a 10K-point cloud in the unit sphere is about 0.02), so the
network's inputs and outputs are O(1).
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from scipy.spatial import cKDTree
from torch import nn

Pathway = Literal["t", "tau"]


def knn_indices(points: torch.Tensor, k: int) -> torch.Tensor:
    """[B, N, k] indices of each point's k nearest other points (itself excluded) within its own cloud."""
    dist = torch.cdist(points, points)
    return dist.topk(k + 1, dim=-1, largest=False).indices[..., 1:]


def gather_neighbours(h: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    """h [B, N, F], idx [B, N, k] -> [B, N, k, F]."""
    b, n, k = idx.shape
    flat = idx.reshape(b, n * k, 1).expand(-1, -1, h.shape[-1])
    return h.gather(1, flat).reshape(b, n, k, h.shape[-1])


class EdgeConv(nn.Module):
    """max over neighbours j of MLP([h_i, h_j - h_i]) (the first layer: MLP(x_j - x_i) alone)."""

    def __init__(self, d_in: int, width: int, relative_only: bool):
        super().__init__()
        self.relative_only = relative_only
        self.mlp = nn.Sequential(nn.Linear(d_in if relative_only else 2 * d_in, width), nn.ReLU(),
                                 nn.Linear(width, width), nn.ReLU())

    def forward(self, h: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        nb = gather_neighbours(h, idx)
        rel = nb - h.unsqueeze(2)
        edge = rel if self.relative_only else torch.cat([h.unsqueeze(2).expand_as(nb), rel], dim=-1)
        return self.mlp(edge).amax(dim=2)


class FeatureExtractor(nn.Module):
    def __init__(self, convs: int, width: int, knn: int):
        super().__init__()
        self.knn = knn
        self.convs = nn.ModuleList(EdgeConv(3 if i == 0 else width * i, width, relative_only=i == 0)
                                   for i in range(convs))
        self.out_dim = convs * width

    def forward(self, points: torch.Tensor, idx: torch.Tensor | None = None) -> torch.Tensor:
        """points [B, N, 3] (in units) -> features [B, N, out_dim]; ``idx`` the kNN graph if already known."""
        idx = knn_indices(points, self.knn) if idx is None else idx
        h, outs = points, []
        for conv in self.convs:
            h = conv(h, idx)
            outs.append(h)
            h = torch.cat(outs, dim=-1)  # dense connections: every conv reads all earlier ones
        return h


class Residual(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.body = nn.Sequential(nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, width))
        nn.init.zeros_(self.body[-1].weight)  # each block starts as the identity
        nn.init.zeros_(self.body[-1].bias)

    def forward(self, x):
        return x + self.body(x)


def half_weight_copy(layer: nn.Linear) -> nn.Linear:
    """A new layer of the same shape whose weights and bias are half of ``layer``'s (the paper's initialisation of
    E_tau and D_tau)."""
    copy = nn.Linear(layer.in_features, layer.out_features)
    with torch.no_grad():
        copy.weight.copy_(0.5 * layer.weight)
        copy.bias.copy_(0.5 * layer.bias)
    return copy


class ScoreEstimator(nn.Module):
    """E (first perceptron) -> s (residual blocks) -> D (last perceptron); E_tau / D_tau once :meth:`add_intermediate`
    has been called."""

    def __init__(self, feature_dim: int, hidden: int, blocks: int):
        super().__init__()
        self.encode = nn.Linear(3 + feature_dim, hidden)
        self.middle = nn.Sequential(*(Residual(hidden) for _ in range(blocks)), nn.ReLU())
        self.decode = nn.Linear(hidden, 3)
        self.encode_tau: nn.Linear | None = None
        self.decode_tau: nn.Linear | None = None

    def add_intermediate(self) -> None:
        self.encode_tau = half_weight_copy(self.encode)
        self.decode_tau = half_weight_copy(self.decode)

    def layers(self, pathway: Pathway) -> tuple[nn.Linear, nn.Linear]:
        if pathway == "t":
            return self.encode, self.decode
        if self.encode_tau is None:
            raise ValueError("this score network has no intermediate pathway (E_tau, D_tau); it was not IGO "
                             "fine-tuned")
        return self.encode_tau, self.decode_tau

    def frame_code(self, features: torch.Tensor, pathway: Pathway) -> torch.Tensor:
        """The feature part of the first layer, W_h h_i + b: computed once per frame centre, as E is linear."""
        encode, _ = self.layers(pathway)
        return features @ encode.weight[:, 3:].T + encode.bias

    def forward(self, offsets: torch.Tensor, code: torch.Tensor, pathway: Pathway = "t") -> torch.Tensor:
        """offsets [..., 3] (x - x_i, in units), code [..., hidden] (:meth:`frame_code` of x_i) -> scores [..., 3]."""
        encode, decode = self.layers(pathway)
        return decode(self.middle(offsets @ encode.weight[:, :3].T + code))


class ScoreDenoiser(nn.Module):
    def __init__(self, convs: int = 3, width: int = 32, knn: int = 16, hidden: int = 64, blocks: int = 2,
                 unit: float = 0.02):
        super().__init__()
        self.unit = unit
        self.features = FeatureExtractor(convs, width, knn)
        self.score = ScoreEstimator(self.features.out_dim, hidden, blocks)

    def frame_scores(self, noisy: torch.Tensor, centres: torch.Tensor, frame_knn: int,
                     pathway: Pathway = "t") -> tuple[torch.Tensor, torch.Tensor]:
        """Training-time scores: for patches ``noisy`` [B, N, 3] (units) and frame centres [B, M] (indices), the
        scores S_i(x_j - x_i) at the ``frame_knn`` points x_j nearest each centre -> (scores [B, M, K, 3],
        the x_j's indices [B, M, K])."""
        features = self.features(noisy)
        b_idx = torch.arange(len(noisy)).unsqueeze(1)
        centre_pts = noisy[b_idx, centres]  # [B, M, 3]
        members = torch.cdist(centre_pts, noisy).topk(frame_knn, dim=-1, largest=False).indices
        offsets = gather_neighbours(noisy, members) - centre_pts.unsqueeze(2)
        code = self.score.frame_code(features[b_idx, centres], pathway).unsqueeze(2)
        return self.score(offsets, code, pathway), members


@torch.no_grad()
def denoise(model: ScoreDenoiser, cloud: np.ndarray, steps: int, step_size: float, decay: float, ensemble: int,
            pathway: Pathway = "t", chunk: int = 20000) -> np.ndarray:
    """Gradient ascent on the ensembled score: x <- x + step_size * decay^k * E(x), k = 0 .. steps - 1, where E(x)
    averages S_i(x - x_i) over the ``ensemble`` noisy input points x_i nearest x (their features from the input)."""
    model.eval()
    unit = model.unit
    frames = torch.as_tensor(cloud / unit, dtype=torch.float32)
    tree = cKDTree(cloud)
    graph = torch.as_tensor(tree.query(cloud, k=model.features.knn + 1)[1][:, 1:]).unsqueeze(0)  # no N x N matrix
    code = model.score.frame_code(model.features(frames.unsqueeze(0), graph)[0], pathway)  # [N, hidden]
    x = frames.clone()
    for k in range(steps):
        _, idx = tree.query(x.numpy() * unit, k=ensemble)
        idx = torch.as_tensor(idx.reshape(len(x), ensemble))
        update = torch.empty_like(x)
        for s in range(0, len(x), chunk):
            part = idx[s:s + chunk]
            offsets = x[s:s + chunk].unsqueeze(1) - frames[part]
            update[s:s + chunk] = model.score(offsets, code[part], pathway).mean(1)
        x += step_size * decay ** k * update
    return x.numpy().astype(np.float64) * unit
