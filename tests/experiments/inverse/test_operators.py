"""The image operators against dense algebra: adjoints, Gram solves with per-pixel weights, pseudo-inverses."""
import pytest
import torch

from invdiff.experiments.inverse.operators import PINV_SHIFT, make_operator

SHAPE = (1, 28, 28)
GEN = torch.Generator().manual_seed(0)
CASES = [("denoise", {}), ("box", {"size": 12}), ("random", {"missing": 0.7}), ("random", {"missing": 0.9}),
         ("blur", {"kernel": 9, "width": 2.0}), ("pool", {"factor": 2}), ("pool", {"factor": 4})]


def dense(op):
    return op.forward(torch.eye(784, dtype=torch.float64).reshape(784, *SHAPE)).T  # [d_y, 784]


@pytest.mark.parametrize("name, settings", CASES, ids=[f"{n}{list(s.values())}" for n, s in CASES])
def test_operator_against_its_dense_matrix(name, settings):
    op = make_operator(name, SHAPE, **settings)
    h = dense(op)
    x = torch.randn(3, *SHAPE, generator=GEN, dtype=torch.float64)
    y = torch.randn(3, op.output_dim, generator=GEN, dtype=torch.float64)
    assert torch.allclose(op.forward(x), x.reshape(3, -1) @ h.T)
    assert torch.allclose(op.adjoint(y).reshape(3, -1), y @ h)
    weight = torch.rand(3, *SHAPE, generator=GEN, dtype=torch.float64)
    gram = (h[None] * weight.reshape(3, 1, -1)) @ h.T[None] + 0.05 * torch.eye(op.output_dim, dtype=torch.float64)
    expected = torch.linalg.solve(gram, y.unsqueeze(-1)).squeeze(-1)
    assert torch.allclose(op.solve_gram(y, weight, 0.05), expected, atol=1e-6)
    assert torch.allclose(op.solve_gram(y, 0.3, 0.05), torch.linalg.solve(
        0.3 * h @ h.T + 0.05 * torch.eye(op.output_dim, dtype=torch.float64), y.T).T, atol=1e-6)
    shift = PINV_SHIFT if name == "blur" else 0.0
    pinv = h.T @ torch.linalg.inv(h @ h.T + shift * torch.eye(op.output_dim, dtype=torch.float64))
    assert torch.allclose(op.pseudo_inverse(y).reshape(3, -1), y @ pinv.T, atol=1e-5)


def test_operator_sizes():
    assert make_operator("box", SHAPE, size=12).output_dim == 784 - 144
    assert make_operator("random", SHAPE, missing=0.9).output_dim == 784 - 706
    assert make_operator("pool", SHAPE, factor=4).output_dim == 49


@pytest.mark.parametrize("name, settings, message", [
    ("box", {"size": 30}, "box size"), ("random", {"missing": 1.0}, "missing fraction"),
    ("blur", {"kernel": 8}, "odd kernel"), ("pool", {"factor": 3}, "divide"), ("warp", {}, "unknown operator"),
    ("pool", {"scale": 2}, "unexpected keyword"),
])
def test_bad_operator_settings_are_refused(name, settings, message):
    with pytest.raises(ValueError, match=message):
        make_operator(name, SHAPE, **settings)
