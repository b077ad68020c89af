"""Does a code change alter training? Trains tasks briefly at the tests' tiny scale and prints each one's final loss
and a sha256 of its trained weights; run it under two checkouts on one machine and compare the lines.

    INVDIFF_ROOT=<project with data/> python benchmarks/training_identity.py            # this checkout
    INVDIFF_ROOT=<same> PYTHONPATH=/tmp/before/src python benchmarks/training_identity.py   # an older commit

Needs the MNIST and panel data (`dvc repro fetch_mnist make_panel_data`). Models go to a temporary folder.
"""
from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers.params import tiny_params  # noqa: E402
from invdiff.experiments.registry import get_task  # noqa: E402
from invdiff.training import train  # noqa: E402

TASKS = ("branin", "mnist_cfg", "classifier", "igo_alpha1.0", "igo_alpha0.5", "panel_hopper_igo",
         "panel_rotmnist_meode", "inverse_prior", "inverse_optimizer")


def main() -> None:
    params = tiny_params(**{"branin.train.max_steps": 30, "mnist_cfg.train.max_steps": 30,
                            "classifier.train.max_steps": 10, "igo.train.max_steps": 6})
    for name in TASKS:
        with tempfile.TemporaryDirectory() as folder:
            result = train(get_task(name), params, folder, scratch=f"{folder}/scratch")
            state = torch.load(f"{folder}/model.ckpt", map_location="cpu", weights_only=False)["state_dict"]
            digest = hashlib.sha256(b"".join(v.numpy().tobytes() for _, v in sorted(state.items()))).hexdigest()
            print(name, result.final_loss, digest[:16])


if __name__ == "__main__":
    main()
