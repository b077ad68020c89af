"""FID's feature network as a file: a LeNet's weights (``.pt``) beside a sidecar of how they were made (``.json``).

Retraining the classifier moves every FID by 11-31 % (``benchmarks/fid_classifier_spread.py``), and the same recipe
gives different weights on another machine or thread count, so the pipeline scores with a frozen, versioned net and
checks its SHA-256 before use: a FID table then changes only when the samples do.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.mnist.classifier import NET_FORMAT, LeNet, read_net, write_net
from invdiff.io import atomic_path, write_json


def sidecar(path: str | Path) -> Path:
    return Path(path).with_suffix(".json")


def file_sha256(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def save_net(net: LeNet, path: str | Path, provenance: dict) -> str:
    """Write the weights and their sidecar (``provenance`` plus the weights' SHA-256) atomically; return the hash."""
    write_net(net, path)
    digest = file_sha256(path)
    write_json(sidecar(path), {**provenance, "format": NET_FORMAT, "feature_dim": net.features[-1].out_features,
                               "sha256": digest})
    return digest


def load_verified(path: str | Path, sha256: str, key: str = "classifier.frozen") -> LeNet:
    """The frozen net, after checking that its bytes are the ones ``<key>.sha256`` names."""
    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"{key}.path: the frozen FID feature net {path} is missing. It is versioned with "
                                f"the code: restore it (`git checkout -- {path}`), or set classifier.source: train")
    actual = file_sha256(path)
    if actual != sha256:
        raise ConfigError(f"{path} has SHA-256 {actual}, but {key}.sha256 in params.yaml expects {sha256}: the "
                          f"file was changed or replaced. Restore it (`git checkout -- {path}`), or, if you froze a "
                          f"new feature net on purpose, set {key}.sha256 to {actual} (FIDs from before are then not "
                          "comparable)")
    return read_net(path)


def provenance(path: str | Path) -> dict:
    """The sidecar of a net file ({} when it has none)."""
    side = sidecar(path)
    return json.loads(side.read_text()) if side.is_file() else {}


def copy_net(source: str | Path, out: str | Path) -> str:
    """Copy a net file byte for byte, with its sidecar; return its SHA-256."""
    source, out = Path(source), Path(out)
    with atomic_path(out) as tmp:
        shutil.copyfile(source, tmp)
    if sidecar(source).is_file():
        with atomic_path(sidecar(out)) as tmp:
            shutil.copyfile(sidecar(source), tmp)
    return file_sha256(out)


def freeze(source: str | Path, out: str | Path) -> str:
    """Copy a pipeline-trained net to a new versioned location; return the SHA-256 to put in params.yaml."""
    source, out = Path(source), Path(out)
    read_net(source)
    if out.exists():
        raise ConfigError(f"{out} exists; a frozen net is never overwritten (FIDs refer to it): pick a new "
                          "version name")
    digest = copy_net(source, out)
    write_json(sidecar(out), {**provenance(source), "frozen_from": str(source), "sha256": digest})
    return digest
