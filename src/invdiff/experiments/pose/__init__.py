"""3D body pose from 2D keypoints: conditional pose DDPMs (FiLM MLP, transformer), their evaluation and baselines.

``data/`` holds everything the data stages need (body model, AMASS + synthetic motions, rotations, camera, the
forward model f(x)); the rest of this package trains, samples and scores.
"""
