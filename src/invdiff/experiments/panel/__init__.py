"""IGO on panel data (the IGO paper, Section 4.2): many short trajectories -- rotating MNIST and the MuJoCo hopper --
for latent-ODE models with and without the intermediate latent."""
