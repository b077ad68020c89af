"""IGO in 3D (Mishra et al., Section 4.3): point clouds sampled from real meshes, classical denoisers, metrics."""
