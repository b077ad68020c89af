"""MNIST feature classifier: LeNet trained with cross-entropy; its penultimate layer is FID's feature space."""
from __future__ import annotations

import pytorch_lightning as pl
import torch
from torch.nn import functional as F

from invdiff.config import Params
from invdiff.data import mnist
from invdiff.data.tensors import tensor_loader
from invdiff.errors import require_file
from invdiff.nets.lenet import LeNet
from invdiff.tasks.optim import adamw_with_decay, num_parameters

NAME = "classifier"
EXPERIMENT = "classifier"
DEPENDS_ON = ("mnist",)


def section(params: Params):
    return params.classifier


def data_source(params: Params) -> str:
    return "real"


class Classifier(pl.LightningModule):
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

    def configure_optimizers(self):
        return adamw_with_decay(self.net.parameters(), self.hparams.optim)

    def num_parameters(self) -> int:
        return num_parameters(self.net)


def build(params: Params):
    images, labels = mnist.load_split(mnist.RAW_DIR, "train")
    module = Classifier(params.classifier.feature_dim, params.classifier.train.model_dump())
    loader = tensor_loader(mnist.to_model_space(images), torch.from_numpy(labels),
                           batch_size=params.classifier.train.batch_size, seed=params.seed)
    return module, loader


def load(path) -> Classifier:
    path = require_file(path, "Train it first: `dvc repro train_classifier`.")
    return Classifier.load_from_checkpoint(path, map_location="cpu").eval()


@torch.no_grad()
def predict(net: LeNet, x: torch.Tensor, batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """(features [N, feature_dim], logits [N, 10]) for images x [N, 1, 28, 28] in [-1, 1]."""
    net.eval()
    feats, logits = [], []
    for chunk in x.split(batch_size):
        f = net.features(chunk)
        feats.append(f)
        logits.append(net.head(f))
    return torch.cat(feats), torch.cat(logits)
