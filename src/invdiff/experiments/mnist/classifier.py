"""MNIST feature classifier: a LeNet trained with cross-entropy; its penultimate layer is FID's feature space.

Used by MNIST's and IGO's evaluations through :func:`feature_extractor`.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from invdiff.config import Params
from invdiff.data.tensors import tensor_loader
from invdiff.errors import ConfigError, require_file
from invdiff.experiments.mnist import data as mnist
from invdiff.io import atomic_path
from invdiff.optim import TrainableModule
from invdiff.paths import models_dir
from invdiff.sections import EmaConfig

NET_FORMAT = "invdiff-lenet-v1"


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


class Classifier(TrainableModule):
    def __init__(self, feature_dim: int, optim: dict):
        super().__init__()
        self.save_hyperparameters()
        self.net = LeNet(feature_dim=feature_dim)

    def training_step(self, batch, batch_idx):
        images, labels = batch
        logits = self.net(images)
        loss = F.cross_entropy(logits, labels)
        self.log("train/loss", loss, prog_bar=True)
        self.log("train/accuracy", (logits.argmax(-1) == labels).float().mean())
        return loss



class ClassifierTask:
    """:class:`invdiff.task.Task` of the FID classifier."""

    name = "classifier"
    experiment = "classifier"
    depends_on = ("mnist",)

    def section(self, params: Params):
        return params.classifier

    def data_source(self, params: Params) -> str:
        return "real"

    def averaging(self, params: Params) -> EmaConfig | None:
        return None

    def build(self, params: Params):
        images, labels = mnist.load_split("train")
        module = Classifier(params.classifier.feature_dim, params.classifier.train.model_dump())
        loader = tensor_loader(mnist.to_model_space(images), torch.from_numpy(labels),
                               batch_size=params.classifier.train.batch_size, seed=params.seed)
        return module, loader

    def load(self, path) -> Classifier:
        return load_checkpoint(path)


def write_net(net: LeNet, path: str | Path) -> None:
    """The weights and shape of ``net`` as one file; the same weights always give the same bytes."""
    buffer = io.BytesIO()  # a file name would enter the archive's record names, and so the bytes
    torch.save({"format": NET_FORMAT, "feature_dim": net.features[-1].out_features,
                "n_classes": net.head[-1].out_features,
                "state_dict": {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}}, buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buffer.getvalue())


def read_net(path: str | Path) -> LeNet:
    """The net written by :func:`write_net` (eval mode)."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(blob, dict) or blob.get("format") != NET_FORMAT:
        raise ConfigError(f"{path} is not a feature net written by invdiff ({NET_FORMAT}); make one with "
                          "classifier.source: train and `dvc repro fid_classifier`")
    net = LeNet(feature_dim=blob["feature_dim"], n_classes=blob["n_classes"])
    net.load_state_dict(blob["state_dict"])
    return net.eval()


def net_path() -> Path:
    return models_dir() / "classifier" / "net.pt"


def load(path: str | Path | None = None) -> LeNet:
    """FID's feature net (default: the project's ``models/classifier/net.pt``, installed by the fid_classifier
    stage), eval mode."""
    return read_net(require_file(net_path() if path is None else path, "Install it: `dvc repro fid_classifier`."))


def load_checkpoint(path: str | Path) -> Classifier:
    """A classifier trained by this module (a Lightning checkpoint), eval mode."""
    return Classifier.load_from_checkpoint(require_file(path, "Train it: classifier.source: train, then "
                                                              "`dvc repro fid_classifier`."),
                                           map_location="cpu").eval()


@torch.no_grad()
def predict(net: LeNet, x: Tensor, batch_size: int = 500) -> tuple[Tensor, Tensor]:
    """(features [N, feature_dim], logits [N, 10]) for images x [N, 1, 28, 28] in [-1, 1]."""
    net.eval()
    feats, logits = [], []
    for chunk in x.split(batch_size):
        f = net.features(chunk)
        feats.append(f)
        logits.append(net.head(f))
    return torch.cat(feats), torch.cat(logits)


def feature_extractor(net: LeNet) -> Callable[[Tensor], np.ndarray]:
    """Images [N, 1, 28, 28] in model space -> FID features [N, feature_dim] (clipped to [-1, 1] first, as pixels
    are)."""
    return lambda x: predict(net, x.clamp(-1, 1))[0].numpy()


CONFIDENT = 0.9


def confident_fraction(net: LeNet, x: Tensor, threshold: float = CONFIDENT) -> float:
    """Fraction of images [N, 1, 28, 28] (model space, clipped like pixels) that the classifier assigns to one digit
    with probability ≥ ``threshold``: a check that unconditional samples read as digits (MNIST's test split: 0.97
    under the frozen v1 net; N(μ, S) pixel noise: 0.24)."""
    _, logits = predict(net, x.clamp(-1, 1))
    return float((logits.softmax(-1).max(-1).values >= threshold).float().mean())


def test_accuracy(net: LeNet) -> tuple[float, int]:
    """(accuracy, size) on the MNIST test split."""
    images, labels = mnist.load_split("test")
    _, logits = predict(net, mnist.to_model_space(images))
    return float((logits.argmax(-1).numpy() == labels).mean()), int(len(labels))
