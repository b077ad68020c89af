"""LeNet-style digit classifier whose penultimate layer is the feature space for FID."""
from __future__ import annotations

from torch import Tensor, nn


class LeNet(nn.Module):
    """x [B, 1, 28, 28] in [-1, 1] -> logits [B, n_classes]; ``features(x)`` -> [B, feature_dim]."""

    def __init__(self, feature_dim: int = 32, n_classes: int = 10, dropout: float = 0.25):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(64 * 7 * 7, 256), nn.ReLU(), nn.Linear(256, feature_dim),
        )
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(feature_dim, n_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))
