"""3D body pose from 2D keypoints: conditional pose DDPMs (FiLM MLP, transformer), their evaluation and baselines.

``data/`` holds everything the data stages need (body model, AMASS + synthetic motions, rotations, camera, the
forward model f(x)); the rest of this package trains, samples and scores.
"""

# the MLflow experiments this package logs to, with the description their UI page shows (invdiff.tracking)
MLFLOW_EXPERIMENTS = {
    "pose": "3D SMPL pose (6D rotations) from 2D BODY_25 keypoints: MLP vs transformer denoiser per protocol (val, "
            "paper) and guidance weight w; linear-Gaussian reference rows; baselines (gradient descent, DPS). "
            "Filter child runs with params.arch = 'mlp' / params.protocol = 'val'.",
}
