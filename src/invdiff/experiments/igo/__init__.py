"""IGO (Mishra et al., Section 4.1): a score U-Net on the cat-map SDE whose intermediate iterate x_τ trains an
intermediate generator E_τ∘s_τ∘D_τ inside the same network; FID of both paths against α (docs/igo.md)."""

# the MLflow experiments this package logs to, with the description their UI page shows (invdiff.tracking)
MLFLOW_EXPERIMENTS = {
    "igo": "Intermediate Generator Optimization on MNIST: score U-Net on a cat-map SDE; FID of the full and "
           "intermediate paths per loss weight alpha, against a Gaussian fitted to the pixels and the data floor.",
}
