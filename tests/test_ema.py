import torch

from invdiff.nets import ConditionalMLP
from invdiff.tasks.diffusion_module import ConditionalDiffusion

DIFFUSION = {"schedule": "linear", "timesteps": 10, "beta_start": 1e-4, "beta_end": 0.02, "p_uncond": 0.1}
OPTIM = {"max_steps": 10, "batch_size": 4, "lr": 1e-3, "weight_decay": 0.0, "lr_decay": "constant"}


def _module(ema_decay):
    config = {"width": 8, "depth": 1, "time_embed_dim": 4}
    return ConditionalDiffusion(ConditionalMLP(2, 1, **config), config, DIFFUSION, OPTIM, ema_decay=ema_decay)


def test_ema_update_is_the_warmed_up_exponential_average():
    module = _module(0.99)
    before = [p.detach().clone() for p in module.ema_net.parameters()]
    with torch.no_grad():
        for p in module.net.parameters():
            p.add_(1.0)
    module.on_train_batch_end(None, None, 0)  # step 0: decay = min(0.99, 1/10) = 0.1
    for ema, old, new in zip(module.ema_net.parameters(), before, module.net.parameters()):
        torch.testing.assert_close(ema, 0.1 * old + 0.9 * new)
    assert not any(p.requires_grad for p in module.ema_net.parameters())
    assert module.sampling_net is module.ema_net
    assert any(k.startswith("ema_net.") for k in module.state_dict())
    assert module.num_parameters() == sum(p.numel() for p in module.net.parameters())


def test_without_ema_the_raw_net_samples():
    module = _module(None)
    module.on_train_batch_end(None, None, 0)
    assert module.ema_net is None and module.sampling_net is module.net
