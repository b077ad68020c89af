"""Branin toy: an MLP DDPM over x in R^2 conditioned on y = -Branin(x), against descent and MCMC."""
