import numpy as np
import torch

from invdiff.baselines.gaussian import ClassGaussians, GaussianImages


def test_samples_have_the_fitted_moments_including_a_singular_covariance():
    g = torch.Generator().manual_seed(0)
    mixing = torch.tensor([[1.0, 0.5, 0.0], [0.0, 0.3, 0.0], [0.0, 0.0, 0.0]])  # third pixel constant: S singular
    images = (torch.randn(4000, 3, generator=g) @ mixing.T + torch.tensor([0.2, -0.1, 0.7])).reshape(4000, 1, 3)
    gaussian = GaussianImages(images, clip=None)
    x = gaussian.sample(200_000, torch.Generator().manual_seed(1)).reshape(-1, 3).double()
    flat = images.reshape(-1, 3).double()
    np.testing.assert_allclose(x.mean(0), flat.mean(0), atol=5e-3)
    np.testing.assert_allclose(torch.cov(x.T), torch.cov(flat.T), atol=5e-3)
    assert x[:, 2].std() < 1e-6  # the constant pixel stays constant
    assert gaussian.sample(5, torch.Generator()).shape == (5, 1, 3)


def test_clipping_and_per_class_sampling():
    images = torch.cat([torch.full((50, 1, 2, 2), -0.9), torch.full((50, 1, 2, 2), 0.9)])
    images = images + 0.5 * torch.randn(images.shape, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(2).repeat_interleave(50)
    model = ClassGaussians(images, labels)
    draw = model.sample(torch.tensor([1, 0, 1, 1]), torch.Generator().manual_seed(2))
    assert draw.shape == (4, 1, 2, 2) and draw.min() >= -1 and draw.max() <= 1
    many = model.sample(torch.tensor([0] * 500 + [1] * 500), torch.Generator().manual_seed(3))
    assert many[:500].mean() < -0.5 and many[500:].mean() > 0.5
