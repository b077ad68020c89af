import torch


def test_score_unet_levels_and_intermediate_generator_shapes():
    from invdiff.experiments.igo.net import ScoreUNet
    from invdiff.optim import num_parameters

    net = ScoreUNet(channels=[8, 16, 32, 64], embed_dim=32)
    x, t = torch.randn(3, 1, 28, 28), torch.rand(3)
    assert net(x, t).shape == (3, 1, 28, 28)
    assert net.intermediate(x, t).shape == (3, 1, 28, 28)
    # E_tau: conv k5 s2 28 -> 12, entering where conv2 leaves (the 12x12 level); D_tau: deconv k6 s2 12 -> 28
    assert net.encoder_tau(x).shape == (3, 16, 12, 12) == net.down2.conv(net.down1(x, torch.zeros(3, 32))).shape
    assert net.decoder_tau(torch.randn(3, 32, 12, 12)).shape == (3, 1, 28, 28)
    assert net.encoder_tau.kernel_size == (5, 5) and net.encoder_tau.stride == (2, 2)
    assert net.decoder_tau.kernel_size == (6, 6) and net.decoder_tau.stride == (2, 2)
    # the intermediate path shares the inner layers (from the 12x12 level's norm on); only E_tau / D_tau are its own
    inner = {id(p) for m in (net.down2.time, net.down2.norm, net.down3, net.down4, net.up4, net.up3, net.embed)
             for p in m.parameters()}
    grads = torch.autograd.grad(net.intermediate(x, t).sum(), list(net.parameters()), allow_unused=True)
    used = {id(p) for p, g in zip(net.parameters(), grads) if g is not None}
    own = {id(p) for m in (net.encoder_tau, net.decoder_tau) for p in m.parameters()}
    assert used == inner | own
    # Song's tutorial size at channels [32, 64, 128, 256], embed 256 (~1.1M)
    assert 1.0e6 < num_parameters(ScoreUNet()) < 1.2e6
