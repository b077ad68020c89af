import numpy as np
import pytest
import torch

from invdiff.experiments.igo.cat_map import CatMapOperators, apply_cat_map, cat_map_destinations, permutation_period


def test_period_is_24_on_28x28():
    assert permutation_period(cat_map_destinations(28)) == 24
    images = torch.randn(3, 28, 28)
    for k in range(1, 24):
        assert not torch.equal(apply_cat_map(images, k), images), k
    assert torch.equal(apply_cat_map(images, 24), images)


@pytest.mark.parametrize("n, period", [(2, 3), (3, 4), (5, 10), (10, 30)])
def test_known_periods(n, period):
    # Dyson & Falk 1992 / Bao & Yang 2012: Π(2)=3, Π(3)=4, Π(5)=10, Π(10)=30
    assert permutation_period(cat_map_destinations(n)) == period


def test_map_is_the_stated_permutation_and_invertible():
    n = 28
    image = torch.zeros(n, n)
    image[3, 5] = 1.0
    moved = apply_cat_map(image)
    assert moved[(3 + 5) % n, (3 + 10) % n] == 1 and moved.sum() == 1
    assert sorted(cat_map_destinations(n)) == list(range(n * n))  # a bijection
    x = torch.randn(2, n, n)
    assert torch.equal(apply_cat_map(apply_cat_map(x), -1), x)
    assert torch.equal(apply_cat_map(apply_cat_map(x, -1)), x)


def test_matrix_is_orthogonal_and_matches_the_map():
    ops = CatMapOperators(28)
    c = ops.matrix()
    assert torch.equal(c @ c.T, torch.eye(784, dtype=torch.float64))
    x = torch.randn(784, dtype=torch.float64)
    assert torch.allclose(c @ x, apply_cat_map(x.view(28, 28)).reshape(-1))


def test_spectral_calculus_matches_dense_matrix_functions():
    ops = CatMapOperators(28)
    c = ops.matrix()
    eye = torch.eye(784, dtype=torch.float64)
    a = 0.7 * eye + 0.3 * c
    x = torch.randn(2, 784, dtype=torch.float64)
    # a power (complex spectrum) and a symmetric function (real spectrum)
    power = torch.linalg.matrix_power(a, 7)
    assert torch.allclose(ops.apply((0.7 + 0.3 * ops.roots) ** 7, x), x @ power.T, atol=1e-12)
    gram = power @ power.T
    assert torch.allclose(ops.apply((0.7 + 0.3 * ops.roots).abs() ** 14, x), x @ gram.T, atol=1e-12)
    exp = torch.linalg.matrix_exp(2.0 * (c - eye))
    assert torch.allclose(ops.apply(torch.exp(2.0 * (ops.roots - 1)), x), x @ exp.T, atol=1e-10)
    assert torch.allclose(ops.mean_eigenvalue(torch.exp(2.0 * (ops.roots - 1))), torch.trace(exp) / 784)
    # per-row spectra broadcast against a batch
    spectra = torch.stack([(0.7 + 0.3 * ops.roots) ** 7, torch.ones(ops.period, dtype=torch.complex128)])
    out = ops.apply(spectra, x)
    assert torch.allclose(out[0], power @ x[0], atol=1e-12) and torch.allclose(out[1], x[1])


def test_rejects_non_square_and_tiny_grids():
    with pytest.raises(ValueError, match="square"):
        apply_cat_map(torch.zeros(4, 5))
    with pytest.raises(ValueError, match="2×2"):
        cat_map_destinations(1)
    # (0,1) -> (1,0), (1,0) -> (1,1), (1,1) -> (0,1)
    assert np.array_equal(cat_map_destinations(2), [0, 2, 3, 1])
