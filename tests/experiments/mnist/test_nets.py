import torch


def test_context_unet_shapes_and_null_condition():
    from invdiff.experiments.mnist.net import ContextUnet

    torch.manual_seed(0)
    net = ContextUnet(n_feat=8, timesteps=50)
    x, t = torch.randn(4, 1, 28, 28), torch.tensor([0, 10, 30, 49])
    a, b = torch.tensor([0, 1, 2, 3]), torch.tensor([9, 8, 7, 6])
    drop, keep = torch.ones(4, dtype=torch.bool), torch.zeros(4, dtype=torch.bool)
    assert net(x, t, a, keep).shape == (4, 1, 28, 28)
    torch.testing.assert_close(net(x, t, a, drop), net(x, t, b, drop))
    assert not torch.allclose(net(x, t, a, keep), net(x, t, b, keep))


def test_lenet_features_feed_the_head():
    from invdiff.experiments.mnist.classifier import LeNet

    net = LeNet(feature_dim=12).eval()
    x = torch.randn(3, 1, 28, 28)
    assert net.features(x).shape == (3, 12)
    torch.testing.assert_close(net(x), net.head(net.features(x)))



def test_batch_norm_variant_and_bad_norm():
    import pytest

    from invdiff.experiments.mnist.net import ContextUnet

    torch.manual_seed(0)
    net = ContextUnet(n_feat=8, timesteps=50, norm="batch")
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert not any(isinstance(m, torch.nn.GroupNorm) for m in net.modules())
    out = net.eval()(torch.randn(2, 1, 28, 28), torch.tensor([1, 2]), torch.tensor([0, 1]),
                     torch.zeros(2, dtype=torch.bool))
    assert out.shape == (2, 1, 28, 28)
    with pytest.raises(ValueError, match="norm must be one of"):
        ContextUnet(n_feat=8, norm="layer")
