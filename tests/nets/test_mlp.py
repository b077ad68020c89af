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


def test_mlp_per_unit_mask_ignores_missing_units_and_all_missing_is_the_null_condition():
    torch.manual_seed(0)
    net = ConditionalMLP(x_dim=3, cond_dim=10, width=32, depth=2, time_embed_dim=16, cond_units=5)
    torch.nn.init.normal_(net.output[-1].weight)
    x, t = torch.randn(4, 3), torch.tensor([0, 10, 100, 999])
    y1 = torch.randn(4, 5, 2)
    missing = torch.zeros(4, 5, dtype=torch.bool)
    missing[:, 2] = True
    y2 = y1.clone()
    y2[:, 2] = 100.0  # a missing unit's values do not matter ...
    torch.testing.assert_close(net(x, t, y1, missing), net(x, t, y2, missing))
    # ... but whether it is missing does (an indicator, not a zero that a present unit could also be)
    zeroed = y1.clone()
    zeroed[:, 2] = 0.0
    assert not torch.allclose(net(x, t, zeroed, missing), net(x, t, zeroed, torch.zeros_like(missing)))
    # whole-condition masks [B] are per-unit masks with every unit alike
    drop, keep = torch.ones(4, dtype=torch.bool), torch.zeros(4, dtype=torch.bool)
    torch.testing.assert_close(net(x, t, y1, drop), net(x, t, y1, torch.ones_like(missing)))
    torch.testing.assert_close(net(x, t, y1, keep), net(x, t, y1, torch.zeros_like(missing)))
    torch.testing.assert_close(net(x, t, y1, drop), net(x, t, y2 * 3, drop))
