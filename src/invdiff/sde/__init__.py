"""Experiment-agnostic continuous-time machinery: probability-flow ODE and reverse-SDE samplers for any forward SDE,
and weighted denoising score matching."""
from invdiff.sde.samplers import ForwardSDE, SamplerError, probability_flow_ode, reverse_sde
from invdiff.sde.score_matching import score_matching_loss, training_times

__all__ = ["ForwardSDE", "SamplerError", "probability_flow_ode", "reverse_sde", "score_matching_loss",
           "training_times"]
