"""Branin toy: an MLP DDPM over x in R^2 conditioned on y = -Branin(x), against descent and MCMC."""

# the MLflow experiments this package logs to, with the description their UI page shows (invdiff.tracking)
MLFLOW_EXPERIMENTS = {
    "branin": "Toy: conditional DDPM samples x with f(x) = y* on the negative Branin function's level sets, per "
              "guidance weight w, against the exact conditional, gradient descent and MCMC. Parent run per "
              "evaluation, one child per method / w; train_branin holds the training curve.",
}
