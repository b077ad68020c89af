import pytest
import torch

from invdiff.nets import ConditionalMLP


def _pose_transformer(**kw):
    from invdiff.experiments.pose.net import Modulation, PoseTransformer

    torch.manual_seed(0)
    net = PoseTransformer(width=16, heads=2, joint_layers=1, keypoint_layers=1, decoder_rounds=1, **kw)
    torch.nn.init.normal_(net.out.weight)  # zero-initialised output would hide everything
    for module in net.modules():
        if isinstance(module, Modulation):  # so do adaLN-Zero's zero gates
            torch.nn.init.normal_(module.linear.weight, std=0.3)
    return net


@pytest.mark.parametrize("time_conditioning", ["adaln", "token"])
def test_pose_transformer_shapes_null_condition_and_batched_guidance(time_conditioning):
    net = _pose_transformer(time_conditioning=time_conditioning)
    x, t = torch.randn(4, 144), torch.tensor([0, 10, 100, 499])
    y1, y2 = torch.rand(4, 25, 2) * 2 - 1, torch.rand(4, 25, 2) * 2 - 1
    drop, keep = torch.ones(4, dtype=torch.bool), torch.zeros(4, dtype=torch.bool)
    assert net(x, t, y1, keep).shape == (4, 144)
    torch.testing.assert_close(net(x, t, y1, drop), net(x, t, y2, drop))
    assert not torch.allclose(net(x, t, y1, keep), net(x, t, y2, keep))
    # the cond + null passes as one batch give exactly the two separate passes (per-example independence)
    both = net(torch.cat([x, x]), torch.cat([t, t]), torch.cat([y1, y1]), torch.cat([keep, drop]))
    torch.testing.assert_close(both, torch.cat([net(x, t, y1, keep), net(x, t, y1, drop)]), atol=1e-5, rtol=1e-5)


def test_sdpa_attention_matches_the_textbook_formula():
    from invdiff.experiments.pose.net import Attention

    torch.manual_seed(0)
    attn = Attention(width=8, heads=2)
    x, ctx = torch.randn(3, 5, 8), torch.randn(3, 7, 8)
    q = attn.query(x).view(3, 5, 2, 4).transpose(1, 2)
    k, v = attn.key_value(ctx).view(3, 7, 2, 2, 4).permute(2, 0, 3, 1, 4)
    weights = torch.softmax(q @ k.transpose(-1, -2) / 2.0, dim=-1)  # sqrt(head dim 4) = 2
    expected = attn.out((weights @ v).transpose(1, 2).reshape(3, 5, 8))
    torch.testing.assert_close(attn(x, ctx), expected, atol=1e-6, rtol=1e-5)


def test_pose_denoisers_at_paper_scale_have_the_reported_sizes():
    from invdiff.experiments.pose.mlp_authors import AuthorsPoseMLP
    from invdiff.experiments.pose.net import PoseTransformer
    from invdiff.optim import num_parameters

    token = num_parameters(PoseTransformer(width=256, heads=8, mlp_ratio=2.0, time_conditioning="token"))
    adaln = num_parameters(PoseTransformer(width=256, heads=8, mlp_ratio=2.0))
    mlp = num_parameters(ConditionalMLP(x_dim=144, cond_dim=50, width=1024, depth=5))
    authors = num_parameters(AuthorsPoseMLP(144, 50, timesteps=500, width=1024, depth=6))
    assert 10e6 < token < 11.5e6 and 10e6 < adaln < 12e6  # the authors: ~11M
    assert round(authors / 1e5) == 287                    # the authors report 28.7M: their layout, rebuilt
    assert 20e6 < mlp < 30e6 and mlp > 2 * token


def test_adaln_starts_as_identity_layers_and_time_reaches_every_joint_differently():
    from invdiff.experiments.pose.net import PoseTransformer

    torch.manual_seed(0)
    zero = PoseTransformer(width=16, heads=2, joint_layers=1, keypoint_layers=1, decoder_rounds=1)
    torch.nn.init.normal_(zero.out.weight)
    x, y = torch.randn(2, 144), torch.rand(2, 25, 2)
    keep = torch.zeros(2, dtype=torch.bool)
    # adaLN-Zero: at initialisation no modulated layer changes its input, so t does not matter yet
    torch.testing.assert_close(zero(x, torch.tensor([0, 0]), y, keep), zero(x, torch.tensor([400, 400]), y, keep))
    net = _pose_transformer()
    change = (net(x, torch.tensor([0, 0]), y, keep) - net(x, torch.tensor([400, 400]), y, keep)).view(2, 24, 6)
    assert change.abs().sum(-1).std(-1).min() > 0, "time changes the joints by different amounts"


def test_authors_mlp_null_condition_and_time_as_a_fraction_of_T():
    from invdiff.experiments.pose.mlp_authors import AuthorsPoseMLP

    torch.manual_seed(0)
    net = AuthorsPoseMLP(144, 50, timesteps=500, width=32, depth=3).eval()  # eval: BatchNorm's running stats
    x, t = torch.randn(4, 144), torch.tensor([0, 10, 100, 499])
    y1, y2 = torch.randn(4, 25, 2), torch.randn(4, 25, 2)
    drop, keep = torch.ones(4, dtype=torch.bool), torch.zeros(4, dtype=torch.bool)
    torch.testing.assert_close(net(x, t, y1, drop), net(x, t, y2, drop))
    assert not torch.allclose(net(x, t, y1, keep), net(x, t, y2, keep))
    assert net(x, t, y1, keep).shape == (4, 144)
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in net.modules())


def test_pose_transformer_per_keypoint_mask_tokens():
    net = _pose_transformer()
    x, t = torch.randn(3, 144), torch.tensor([0, 10, 100])
    y = torch.rand(3, 25, 2) * 2 - 1
    missing = torch.zeros(3, 25, dtype=torch.bool)
    missing[:, [4, 7]] = True
    moved = y.clone()
    moved[:, [4, 7]] = 0.9
    torch.testing.assert_close(net(x, t, y, missing), net(x, t, moved, missing))  # missing values unseen
    assert not torch.allclose(net(x, t, y, missing), net(x, t, y, torch.zeros_like(missing)))
    torch.testing.assert_close(net(x, t, y, torch.ones(3, dtype=torch.bool)), net(x, t, y, torch.ones_like(missing)))


def test_a_model_trained_with_keypoint_dropout_samples_from_the_present_keypoints_only():
    from invdiff.diffusion.module import ConditionalDiffusion
    from invdiff.experiments.pose.task import sample_poses
    from invdiff.sections import SamplerConfig

    def module(dropout):
        torch.manual_seed(0)
        net = ConditionalMLP(x_dim=144, cond_dim=50, width=16, depth=1, time_embed_dim=8, cond_units=25)
        torch.nn.init.normal_(net.output[-1].weight)
        return ConditionalDiffusion(net, {}, {"timesteps": 20}, {"max_steps": 1, "batch_size": 4, "lr": 1e-3},
                                    unit_dropout=dropout).eval()

    masked = module({"units": 25, "p_partial": 0.5, "max_missing": 3, "always_present": [8]})
    plain = module(None)
    assert masked.masks_units and not plain.masks_units
    loss = masked.training_step((torch.randn(8, 144), torch.rand(8, 25, 2)), 0)
    assert torch.isfinite(loss)
    keypoints = torch.rand(2, 25, 2) * 2 - 1
    present = torch.ones(2, 25, dtype=torch.bool)
    present[:, 4] = False
    moved = keypoints.clone()
    moved[:, 4] = 0.7
    sampler = SamplerConfig(name="ddim", steps=4, eta=0.0)
    draws = [sample_poses(masked, kp, 3, 1.0, sampler, torch.Generator().manual_seed(0), present=present).samples
             for kp in (keypoints, moved)]
    torch.testing.assert_close(draws[0], draws[1])  # a missing keypoint's value is never read
    with pytest.raises(ValueError, match="trained on complete keypoints only"):
        sample_poses(plain, keypoints, 3, 1.0, sampler, torch.Generator().manual_seed(0), present=present)
