"""Scale-out that works: the tiny Branin task under ``trainer.strategy=ddp``, ``devices=2`` on CPU (gloo), as a stage
runs it (Lightning's launcher re-runs the script for rank 1: tests/helpers/ddp_driver.py)."""
import json
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest

from invdiff.data import tensors

DRIVER = Path(__file__).parent / "helpers" / "ddp_driver.py"


def _train(root: Path, mode: str, *extra: str) -> tuple[int, dict | None, str]:
    out = subprocess.run([sys.executable, str(DRIVER), str(root), mode, *extra], capture_output=True, text=True,
                         timeout=600)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) <= 1, "only rank zero reports (and writes)"
    return out.returncode, json.loads(lines[0][7:]) if lines else None, out.stderr


def _runs(root: Path):
    mlflow.set_tracking_uri(f"sqlite:///{root}/store.db")
    return mlflow.search_runs(search_all_experiments=True, output_format="list")


@pytest.fixture(scope="module")
def single_and_ddp(tmp_path_factory):
    single, ddp = tmp_path_factory.mktemp("single"), tmp_path_factory.mktemp("ddp")
    rc_single, alone, err_single = _train(single, "single")
    rc_ddp, parallel, err_ddp = _train(ddp, "ddp")
    assert rc_single == 0, err_single[-3000:]
    assert rc_ddp == 0, err_ddp[-3000:]
    return single, ddp, alone, parallel


@pytest.mark.slow
def test_ddp_trains_one_model_in_one_mlflow_run(single_and_ddp):
    _, ddp, alone, parallel = single_and_ddp
    assert sorted(p.name for p in (ddp / "out").iterdir()) == ["model.ckpt", "train_info.json"]
    assert not (ddp / "scratch").exists(), "rank zero clears the scratch once training completes"
    runs = _runs(ddp)
    assert len(runs) == 1 and runs[0].info.run_id == parallel["run_id"] and runs[0].info.status == "FINISHED"
    # the same curve: every logged step, a loss of the same size (the two processes together see the global batch)
    assert parallel["steps"] == alone["steps"] and len(parallel["losses"]) == len(alone["losses"])
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    assert mean(parallel["losses"]) == pytest.approx(mean(alone["losses"]), rel=0.25)
    assert parallel["losses"] != alone["losses"]  # each rank draws its own noise (seed + rank)


@pytest.mark.slow
def test_ddp_resumes_exactly_after_an_interruption(tmp_path, single_and_ddp):
    _, _, _, uninterrupted = single_and_ddp
    rc, _, err = _train(tmp_path, "ddp", "--stop-at", "7")
    assert rc != 0 and (tmp_path / "scratch" / "last.ckpt").is_file(), err[-3000:]
    first_run = (tmp_path / "scratch" / "mlflow_run_id").read_text().strip()
    rc, resumed, err = _train(tmp_path, "ddp")
    assert rc == 0, err[-3000:]
    assert resumed["resumed_from_step"] == 5 and resumed["run_id"] == first_run
    assert resumed["losses"] == uninterrupted["losses"], "every rank's batches and noise continue where they were"
    assert [r.info.status for r in _runs(tmp_path)] == ["FINISHED"]


def test_batch_sampler_shards_the_single_process_batch(monkeypatch):
    plain = list(tensors.ResumableBatchSampler(20, 8, seed=3, drop_last=True))
    shards = []
    for rank in (0, 1):
        monkeypatch.setattr(tensors, "_shard", lambda rank=rank: (rank, 2))
        shards.append(list(tensors.ResumableBatchSampler(20, 8, seed=3, drop_last=True)))
    assert [sorted(a + b) for a, b in zip(*shards)] == [sorted(batch) for batch in plain]
    assert all(len(a) == len(b) == 4 and not set(a) & set(b) for a, b in zip(*shards))
    monkeypatch.setattr(tensors, "_shard", lambda: (0, 3))
    with pytest.raises(ValueError, match="batch_size 8 is not divisible by the 3 DDP processes"):
        list(tensors.ResumableBatchSampler(20, 8, seed=3, drop_last=True))
