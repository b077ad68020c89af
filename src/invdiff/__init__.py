"""invdiff: diffusion models as learned optimizers for ill-posed inverse problems."""

__version__ = "0.1.0"
