"""Plain nn.Modules. Every denoiser has the signature ``(x_t, t, cond, drop_mask) -> eps``."""
from invdiff.nets.mlp import ConditionalMLP

__all__ = ["ConditionalMLP"]
