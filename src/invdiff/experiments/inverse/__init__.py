"""Linear inverse problems on MNIST digits: the operators, and (to come) the unconditional prior, the learned
optimizer conditional on y, and every posterior sampler of :mod:`invdiff.posterior` scored on the same inputs."""
