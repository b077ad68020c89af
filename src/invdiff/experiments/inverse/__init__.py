"""Linear inverse problems on MNIST digits: the operators, the unconditional prior, the learned optimizer
conditional on y, and every posterior sampler of :mod:`invdiff.posterior` scored on the same inputs."""

# the MLflow experiments this package logs to, with the description their UI page shows (invdiff.tracking)
MLFLOW_EXPERIMENTS = {
    "inverse": "Linear inverse problems on MNIST (denoise, box, random pixels, blur, pooling): the learned "
               "optimizer (conditional DDPM per w) against zero-shot posterior samplers on one unconditional prior "
               "(DPS, PiGDM, TMPD, annealed Langevin, ULA, GPnP) and the exact Gaussian-prior posterior. One child "
               "run per operator/method; filter with params.operator / params.method.",
}
