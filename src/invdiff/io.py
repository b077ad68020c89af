"""Atomic output writers: a crashed stage never leaves a half-written file or folder behind."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _normal_mode(path: Path, directory: bool = False) -> None:
    """mkstemp/mkdtemp create 0600/0700 (private temp files); outputs get what ``open``/``mkdir`` would give."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _normal_mode(tmp_path)
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def md5sum(path: str | Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: str | Path, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_figure(fig, path: str | Path, dpi: int = 120) -> None:
    import matplotlib.pyplot as plt

    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
    plt.close(fig)


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Build a folder in a sibling temp folder; swap it in only when the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        _normal_mode(tmp, directory=True)
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def csv_cell(value: Any) -> str:
    """How every CSV here spells a value: floats to 6 significant digits, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def write_csv(path: str | Path, columns: list[str], rows) -> None:
    """A CSV for ``dvc plots`` (header + one line per row of values), written atomically."""
    lines = [",".join(columns)] + [",".join(csv_cell(v) for v in row) for row in rows]
    write_text(path, "\n".join(lines) + "\n")


def _is_timing(key: str) -> bool:
    parts = key.split("_")
    return "seconds" in parts


def split_timings(obj: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``obj`` without its wall-clock fields (any key with a ``seconds`` word: ``seconds_sd``,
    ``seconds_per_sample``, ``train_seconds``...), and those fields alone, in the same nesting."""
    rest: dict[str, Any] = {}
    timings: dict[str, Any] = {}
    for key, value in obj.items():
        if _is_timing(key):
            timings[key] = value
        elif isinstance(value, dict):
            r, t = split_timings(value)
            rest[key] = r
            if t:
                timings[key] = t
        else:
            rest[key] = value
    return rest, timings


def write_results(name: str, detail: dict[str, Any], headline: dict[str, Any] | None = None) -> None:
    """A stage's results: ``metrics/<name>.json`` (every number, wall time excepted: a re-run of the same commit
    reproduces it), ``timings/<name>.json`` (the wall times; git-ignored, not a DVC output) and, when given,
    ``metrics/headline/<name>.json`` (the few numbers ``dvc metrics show`` / ``dvc exp show`` display)."""
    from invdiff.paths import headline_path, metrics_path, timings_path

    rest, timings = split_timings(detail)
    write_json(metrics_path(name), rest)
    if timings:
        write_json(timings_path(name), timings)
    if headline is not None:
        write_json(headline_path(name), headline)
