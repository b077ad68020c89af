"""Model-agnostic diffusion machinery: schedules, forward process, loss, guidance and samplers."""
from invdiff.diffusion.forward import condition_dropout, epsilon_loss, predict_x0, q_sample, unit_dropout
from invdiff.diffusion.guidance import conditional_eps, guided_eps, unconditional_eps
from invdiff.diffusion.likelihood_guidance import dps_sample
from invdiff.diffusion.samplers import (
    ddim_sample,
    ddim_timesteps,
    ddpm_sample,
    dpm_solver_sample,
    network_evaluations,
    sample,
)
from invdiff.diffusion.schedules import NoiseSchedule, cosine_schedule, linear_schedule, make_schedule

__all__ = [
    "NoiseSchedule", "linear_schedule", "cosine_schedule", "make_schedule", "q_sample", "predict_x0",
    "condition_dropout", "unit_dropout", "epsilon_loss", "conditional_eps", "unconditional_eps", "guided_eps",
    "ddpm_sample", "ddim_sample", "dpm_solver_sample", "ddim_timesteps", "sample", "network_evaluations", "dps_sample",
]
