import torch

from invdiff.nets import ConditionalMLP


def test_mlp_null_condition_ignores_the_condition_values():
    torch.manual_seed(0)
    net = ConditionalMLP(x_dim=3, cond_dim=2, width=32, depth=2, time_embed_dim=16)
    torch.nn.init.normal_(net.output[-1].weight)  # zero-initialised output would hide everything
    x, t = torch.randn(4, 3), torch.tensor([0, 10, 100, 999])
    y1, y2 = torch.randn(4, 2), torch.randn(4, 2)
    drop, keep = torch.ones(4, dtype=torch.bool), torch.zeros(4, dtype=torch.bool)
    assert net(x, t, y1, keep).shape == (4, 3)
    torch.testing.assert_close(net(x, t, y1, drop), net(x, t, y2, drop))
    assert not torch.allclose(net(x, t, y1, keep), net(x, t, y2, keep))
    mixed = torch.tensor([True, False, True, False])
    out = net(x, t, y1, mixed)
    torch.testing.assert_close(out[mixed], net(x, t, y1, drop)[mixed])
    torch.testing.assert_close(out[~mixed], net(x, t, y1, keep)[~mixed])


def test_context_unet_shapes_and_null_condition():
    from invdiff.nets.context_unet import ContextUnet

    torch.manual_seed(0)
    net = ContextUnet(n_feat=8, timesteps=50)
    x, t = torch.randn(4, 1, 28, 28), torch.tensor([0, 10, 30, 49])
    a, b = torch.tensor([0, 1, 2, 3]), torch.tensor([9, 8, 7, 6])
    drop, keep = torch.ones(4, dtype=torch.bool), torch.zeros(4, dtype=torch.bool)
    assert net(x, t, a, keep).shape == (4, 1, 28, 28)
    torch.testing.assert_close(net(x, t, a, drop), net(x, t, b, drop))
    assert not torch.allclose(net(x, t, a, keep), net(x, t, b, keep))


def test_lenet_features_feed_the_head():
    from invdiff.nets.lenet import LeNet

    net = LeNet(feature_dim=12).eval()
    x = torch.randn(3, 1, 28, 28)
    assert net.features(x).shape == (3, 12)
    torch.testing.assert_close(net(x), net.head(net.features(x)))
