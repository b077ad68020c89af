"""The pose data side: SMPL body model (licensed or stand-in), AMASS or synthetic motions, 6D rotations, camera and
the forward model, and the preprocessing into ``data/processed/pose``."""
