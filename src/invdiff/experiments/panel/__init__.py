"""IGO on panel data (the IGO paper, Section 4.2): many short trajectories -- rotating MNIST and the MuJoCo hopper --
for latent-ODE models with and without the intermediate latent."""

# the MLflow experiments this package logs to, with the description their UI page shows (invdiff.tracking)
MLFLOW_EXPERIMENTS = {
    "igo_panel": "IGO on panel data: latent ODEs (node, meode, igo; 3 seeds) on rotating MNIST and the MuJoCo "
                 "hopper; interpolation / extrapolation MSE per model against the persistence, linear and train-"
                 "mean references, the paper's Figure 4. Filter child runs with params.dataset / params.model.",
}
