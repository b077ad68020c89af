"""The score-based denoiser and its IGO fine-tuning: exact checks where an answer is known."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from invdiff.experiments.pointcloud import metrics, table
from invdiff.experiments.pointcloud.patches import brownian_pair
from invdiff.experiments.pointcloud.score_net import ScoreDenoiser, denoise, half_weight_copy
from invdiff.experiments.pointcloud.task import ScoreModule, random_rotations, weight_comparison
from invdiff.optim import igo_loss

MODEL = dict(convs=2, width=8, knn=6, hidden=16, blocks=1, unit=0.02)
OPTIM = dict(max_steps=10, batch_size=2, lr=1e-3, weight_decay=0.0, lr_decay="constant", warmup_steps=0, frames=4,
             frame_knn=8, threads=1)


def sphere(n: int, rng, radius: float = 1.0) -> np.ndarray:
    x = rng.normal(size=(n, 3))
    return radius * x / np.linalg.norm(x, axis=1, keepdims=True)


def test_half_weight_initialisation():
    torch.manual_seed(0)
    net = ScoreDenoiser(**MODEL)
    net.score.add_intermediate()
    s = net.score
    for a, b in ((s.encode, s.encode_tau), (s.decode, s.decode_tau)):
        assert torch.equal(b.weight, 0.5 * a.weight) and torch.equal(b.bias, 0.5 * a.bias)
        assert b.weight.data_ptr() != a.weight.data_ptr()  # its own parameters, trained apart
    cmp = weight_comparison(net)
    assert cmp["cosine_E"] == pytest.approx(1.0, abs=1e-6) and cmp["cosine_D"] == pytest.approx(1.0, abs=1e-6)
    norm_d = torch.cat([s.decode.weight.flatten(), s.decode.bias]).detach().norm()
    assert cmp["euclidean_D"] == pytest.approx(0.5 * float(norm_d), rel=1e-6)
    layer = nn.Linear(3, 2)
    assert torch.equal(half_weight_copy(layer).bias, 0.5 * layer.bias)


def _batch(seed: int = 0, patches: int = 2, n: int = 40):
    rng = np.random.default_rng(seed)
    clean = np.stack([sphere(n, rng) for _ in range(patches)])
    x_tau, x_t = brownian_pair(clean, 0.02, rng)
    target = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True) - x  # noqa: E731 -- exact projection
    arrays = [x_t, target(x_t), x_tau, target(x_tau), np.full(patches, 0.02)]
    return [torch.as_tensor(a, dtype=torch.float32) for a in arrays]


def test_igo_loss_at_alpha_one_is_the_plain_loss():
    torch.manual_seed(0)
    init = ScoreDenoiser(**MODEL).state_dict()
    batch = _batch()
    plain = ScoreModule(MODEL, OPTIM, alpha=1.0, intermediate=False, init_state=init)
    igo = ScoreModule(MODEL, OPTIM, alpha=1.0, intermediate=True, init_state=init)
    torch.manual_seed(1)
    loss_plain = plain.losses(batch)
    torch.manual_seed(1)
    loss_igo = igo.losses(batch)
    assert set(loss_igo) == {"full"}  # R is not even computed at alpha = 1
    assert torch.equal(loss_plain["full"], loss_igo["full"])
    assert igo_loss(loss_igo["full"], None, 1.0) is loss_igo["full"]
    assert igo_loss(torch.tensor(2.0), torch.tensor(4.0), 1.0) == 2.0


def test_igo_loss_below_one_trains_the_intermediate_pathway():
    torch.manual_seed(0)
    module = ScoreModule(MODEL, OPTIM, alpha=0.8, intermediate=True)
    torch.manual_seed(3)
    parts = module.losses(_batch())
    assert set(parts) == {"full", "intermediate"}
    loss = igo_loss(parts["full"], parts["intermediate"], 0.8)
    assert loss.item() == pytest.approx(0.8 * parts["full"].item() + 0.2 * parts["intermediate"].item(), rel=1e-6)
    loss.backward()
    s = module.net.score
    assert s.encode_tau.weight.grad.abs().sum() > 0 and s.decode_tau.weight.grad.abs().sum() > 0
    assert s.middle[0].body[3].weight.grad.abs().sum() > 0  # the shared middle learns from both


class _ExactSphere(nn.Module):
    """A stand-in score estimator whose score is the exact displacement to the unit sphere: the frame code carries
    the frame centre (from a feature extractor that returns the positions), so centre + offset is the point."""

    def frame_code(self, features, pathway):
        return features

    def forward(self, offsets, code, pathway="t"):
        x = code + offsets  # in units
        return x / x.norm(dim=-1, keepdim=True) * (1 / 0.02) - x


class _Positions(nn.Module):
    knn = 4

    def forward(self, points, idx=None):
        return points


@pytest.mark.parametrize("step", [1.0, 0.5])
def test_denoise_step_moves_points_toward_a_known_sphere(step):
    rng = np.random.default_rng(0)
    noisy = sphere(500, rng) * (1 + rng.uniform(-0.05, 0.05, size=(500, 1)))
    model = ScoreDenoiser(**MODEL)
    model.features, model.score = _Positions(), _ExactSphere()
    out = denoise(model, noisy, steps=1, step_size=step, decay=1.0, ensemble=3)
    before = np.abs(np.linalg.norm(noisy, axis=1) - 1)
    after = np.abs(np.linalg.norm(out, axis=1) - 1)
    # one step of size s moves each point a share s of the way to the sphere along the (averaged) radial direction
    assert after.mean() < (1 - step) * before.mean() + 0.1 * before.mean()
    if step == 1.0:
        assert after.max() < 0.2 * before.max()


def test_trained_denoiser_pulls_a_noisy_sphere_to_its_surface():
    """Denoising score matching on noisy spheres (radius 0.15, 500 points: the spacing of a 10K cloud in the unit
    sphere); the learned score then halves the mean distance to the surface of a larger, unseen sphere."""
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    module = ScoreModule({**MODEL, "width": 16, "hidden": 32, "knn": 12}, {**OPTIM, "frames": 16, "frame_knn": 16},
                         alpha=1.0, intermediate=False)
    opt = torch.optim.Adam(module.parameters(), 3e-3)
    radius, sigma = 0.15, 0.01
    to_surface = lambda x, r: r * x / np.linalg.norm(x, axis=-1, keepdims=True) - x  # noqa: E731
    for _ in range(300):
        clean = np.stack([sphere(500, rng, radius) for _ in range(4)])
        x_tau, x_t = brownian_pair(clean, sigma, rng)
        batch = [torch.as_tensor(a, dtype=torch.float32)
                 for a in (x_t, to_surface(x_t, radius), x_tau, to_surface(x_tau, radius), 0)]
        loss = module.losses(batch)["full"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    r = 1.2 * radius
    noisy = sphere(750, rng, r) + rng.normal(scale=sigma, size=(750, 3))
    out = denoise(module.net, noisy, steps=10, step_size=0.3, decay=0.95, ensemble=4)
    before = np.abs(np.linalg.norm(noisy, axis=1) - r).mean()
    after = np.abs(np.linalg.norm(out, axis=1) - r).mean()
    assert after < 0.6 * before


def test_features_and_scores_do_not_depend_on_where_the_cloud_sits():
    torch.manual_seed(0)
    net = ScoreDenoiser(**MODEL).eval()
    pts = torch.randn(1, 50, 3)
    centres = torch.tensor([[0, 7, 21]])
    a, ia = net.frame_scores(pts, centres, 8)
    b, ib = net.frame_scores(pts + torch.tensor([3.0, -2.0, 5.0]), centres, 8)
    assert torch.equal(ia, ib) and torch.allclose(a, b, atol=1e-4)


def test_brownian_pair_is_one_path_at_half_and_full_time():
    rng = np.random.default_rng(0)
    clean = np.zeros((200000, 3))
    x_tau, x_t = brownian_pair(clean, 0.02, rng)
    first, second = x_tau - clean, x_t - x_tau
    assert first.std() == pytest.approx(0.02 / np.sqrt(2), rel=0.01)
    assert second.std() == pytest.approx(0.02 / np.sqrt(2), rel=0.01)
    assert (x_t - clean).std() == pytest.approx(0.02, rel=0.01)
    assert abs(np.corrcoef(first[:, 0], second[:, 0])[0, 1]) < 0.01  # independent increments


def test_random_rotations_are_rotations():
    torch.manual_seed(0)
    r = random_rotations(100)
    assert torch.allclose(r @ r.transpose(1, 2), torch.eye(3).expand(100, 3, 3), atol=1e-5)
    assert torch.allclose(torch.linalg.det(r), torch.ones(100), atol=1e-5)


def test_closest_points_match_brute_force():
    rng = np.random.default_rng(0)
    v = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float64)
    f = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    p = rng.normal(scale=0.8, size=(300, 3)) + 0.25
    got = metrics.closest_points(p, v, f)
    tri = v[f]
    cands = np.stack([metrics.closest_on_triangles(p, *np.repeat(t[None], len(p), 0).transpose(1, 0, 2))
                      for t in tri])  # [F, N, 3]
    best = cands[np.linalg.norm(cands - p, axis=2).argmin(0), np.arange(len(p))]
    assert np.allclose(got, best, atol=1e-9)


def test_table_rows_and_paired_differences():
    raw = {"noisy": [(4.0, 2.0), (6.0, 4.0)], "jet": [(2.0, 1.0), (4.0, 1.0)], "pretrained": [(3.0, 1.0), (5.0, 1.0)],
           "score#0": [(1.0, 0.5), (3.0, 1.5)], "score#1": [(3.0, 0.5), (5.0, 1.5)],
           "igo_tau#0": [(2.0, 1.0), (2.0, 1.0)], "igo_tau#1": [(2.0, 1.0), (4.0, 1.0)]}
    rows = table.rows(raw)
    assert rows["score"]["cd"] == 3.0 and rows["score"]["cd_sd"] == pytest.approx(np.std([2.0, 4.0], ddof=1))
    assert rows["score"]["seeds"] == {"seed0": {"cd": 2.0, "p2m": 1.0}, "seed1": {"cd": 4.0, "p2m": 1.0}}
    assert rows["score"]["cd_seed_sd"] == pytest.approx(np.std([2.0, 4.0], ddof=1))
    assert "seeds" not in rows["jet"]
    diff = table.differences(raw)
    # igo_tau - score per seed: seed0 (2 - 2) = 0, seed1 (3 - 4) = -1
    assert diff["igo_tau - score"]["cd"] == -0.5
    assert diff["igo_tau - score"]["cd_sd"] == pytest.approx(np.std([0.0, -1.0], ddof=1))
    # score (seed-mean 2, 4) - jet (2, 4) = 0, 0
    assert diff["score - jet"]["cd"] == 0.0 and diff["score - jet"]["better_on_cd"] == "0/2"
    assert diff["score - noisy"]["better_on_p2m"] == "2/2"
    assert diff["score - pretrained"]["cd"] == -1.0 and diff["score - pretrained"]["paired_over"] == "2 meshes"
