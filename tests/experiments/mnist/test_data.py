import gzip
import struct

import numpy as np
import pytest

from invdiff.errors import MissingInputError
from invdiff.experiments.mnist import data as mnist
from invdiff.io import md5sum


def write_idx(path, array, dtype_code=0x08, compress=True, truncate=0):
    header = bytes([0, 0, dtype_code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    payload = header + array.astype(np.uint8).tobytes()
    payload = payload[: len(payload) - truncate] if truncate else payload
    path.write_bytes(gzip.compress(payload) if compress else payload)


def make_idx_folder(folder, n_train=12, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28)),
              "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28)),
              "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test)}
    for name, arr in arrays.items():
        write_idx(folder / name, arr)
    return arrays


def test_read_idx_round_trip_plain_and_gzipped(tmp_path):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", arr)
    write_idx(tmp_path / "a", arr, compress=False)
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "a.gz"), arr)
    np.testing.assert_array_equal(mnist.read_idx(tmp_path / "a"), arr)


def test_truncated_and_corrupt_files_give_clear_errors(tmp_path):
    arr = np.zeros((4, 28, 28), dtype=np.uint8)
    write_idx(tmp_path / "short.gz", arr, truncate=100)
    with pytest.raises(mnist.DataFormatError, match=r"short\.gz: truncated or padded IDX data.*fetch it again"):
        mnist.read_idx(tmp_path / "short.gz")
    (tmp_path / "junk.gz").write_bytes(b"not gzip at all")
    with pytest.raises(mnist.DataFormatError, match=r"junk\.gz: cannot be read"):
        mnist.read_idx(tmp_path / "junk.gz")
    (tmp_path / "magic").write_bytes(b"\x12\x34\x08\x01" + b"\x00" * 8)
    with pytest.raises(mnist.DataFormatError, match="bad magic"):
        mnist.read_idx(tmp_path / "magic")


def test_idx_dataset_and_checksums(tmp_path, monkeypatch):
    arrays = make_idx_folder(tmp_path / "idx")
    with pytest.raises(mnist.DataFormatError, match="differs from the published"):
        mnist.load_idx_dataset(tmp_path / "idx")
    splits = mnist.load_idx_dataset(tmp_path / "idx", verify=False)
    np.testing.assert_array_equal(splits["train"][0], arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(splits["test"][1], arrays["t10k-labels-idx1-ubyte.gz"])
    assert splits["train"][1].dtype == np.int64


def test_missing_files_name_them_and_both_fixes(tmp_path):
    with pytest.raises(MissingInputError) as info:
        mnist.fetch_idx_files(tmp_path / "empty", [], download=False)
    msg = str(info.value)
    assert "train-images-idx3-ubyte.gz" in msg and "mnist.download: true" in msg and "bundled" in msg


def test_download_from_mirror_with_checksum(tmp_path, monkeypatch):
    """The download path, offline: a file:// mirror, with the test files' own checksums as 'published'."""
    make_idx_folder(tmp_path / "mirror")
    sums = {name: md5sum(tmp_path / "mirror" / name) for name in mnist.IDX_FILES}
    monkeypatch.setattr(mnist, "IDX_FILES", sums)
    dead, good = (tmp_path / "nowhere").as_uri() + "/", (tmp_path / "mirror").as_uri() + "/"
    mnist.fetch_idx_files(tmp_path / "dest", [dead, good], download=True)
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == sorted(sums)
    bad = dict(sums, **{"t10k-labels-idx1-ubyte.gz": "0" * 32})
    monkeypatch.setattr(mnist, "IDX_FILES", bad)
    with pytest.raises(MissingInputError, match="download from every URL failed"):
        mnist.fetch_idx_files(tmp_path / "dest2", [good], download=True)


def test_bundled_split_is_real_balanced_disjoint_and_deterministic():
    a = mnist.load_bundled(0.2, seed=0)
    b = mnist.load_bundled(0.2, seed=0)
    (xtr, ytr), (xte, yte) = a["train"], a["test"]
    assert len(ytr) == 4000 and len(yte) == 1000
    assert np.bincount(yte, minlength=10).tolist() == [100] * 10
    assert xtr.dtype == np.uint8 and xtr.shape[1:] == (28, 28) and xtr.max() > 200
    np.testing.assert_array_equal(xte, b["test"][0])
    train_rows = {row.tobytes() for row in xtr}
    assert not any(row.tobytes() in train_rows for row in xte)
    assert not np.array_equal(mnist.load_bundled(0.2, seed=1)["test"][0], xte)  # the seed picks the split


def test_write_and_load_splits(tmp_path):
    splits = mnist.load_bundled(0.2, seed=0)
    mnist.write_splits(splits, {"source": "bundled"}, tmp_path / "raw")
    images, labels = mnist.load_split("test", tmp_path / "raw")
    np.testing.assert_array_equal(labels, splits["test"][1])
    with pytest.raises(MissingInputError, match="dvc repro fetch_mnist"):
        mnist.load_split("train", tmp_path / "nothing")
    x = mnist.to_model_space(images[:3])
    assert x.shape == (3, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    np.testing.assert_array_equal(mnist.to_pixels(x), images[:3])
