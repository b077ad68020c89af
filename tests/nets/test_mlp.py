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
