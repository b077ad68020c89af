"""Methods a learned optimizer is compared against; generic over the forward model."""
from invdiff.baselines.gradient_descent import multi_start_descent
from invdiff.baselines.mcmc import random_walk_metropolis

__all__ = ["multi_start_descent", "random_walk_metropolis"]
