"""IGO in 3D (Mishra et al., Section 4.3): point clouds sampled from real meshes, classical denoisers, metrics."""

# the MLflow experiments this package logs to, with the description their UI page shows (invdiff.tracking)
MLFLOW_EXPERIMENTS = {
    "igo_pointcloud": "IGO in 3D: score-based point-cloud denoiser pretrained by denoising score matching, then "
                      "fine-tuned plainly and with IGO's E_tau / D_tau (3 seeds); Chamfer and point-to-mesh "
                      "distance per method and noise level beside bilateral / jet smoothing and the noisy input "
                      "(Table 1); Figure 5b weight curves in the training runs.",
}
