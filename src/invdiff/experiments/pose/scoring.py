"""Scoring pose samples, written once for the evaluation, the baselines and the CLI: the inputs a method answers,
and ``forward model → projection → pose metrics → seconds per sample`` for its K answers per input."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.forward_model import PoseForwardModel, PoseOutput
from invdiff.experiments.pose.metrics import pose_metrics


@dataclass
class EvalInputs:
    x6d: torch.Tensor        # [N, 144] ground truth
    keypoints: torch.Tensor  # [N, 25, 2] pixels
    joints3d: torch.Tensor   # [N, 24, 3] metres
    names: list[str]         # "sequence@frame", for figures

    def subset(self, count: int) -> EvalInputs:
        """The first ``count`` inputs."""
        return EvalInputs(self.x6d[:count], self.keypoints[:count], self.joints3d[:count], self.names[:count])


def split_inputs(arrays: pose_dataset.SplitArrays, index: np.ndarray) -> EvalInputs:
    """The frames ``index`` of a processed split as inputs."""
    names = [f"{arrays.sequence_names[arrays.sequence[i]].split('/')[-1].replace('_poses', '')}@{arrays.frame[i]}"
             for i in index]
    return EvalInputs(torch.from_numpy(arrays.x6d[index]), torch.from_numpy(arrays.keypoints[index]),
                      torch.from_numpy(arrays.joints3d[index]), names)


@torch.no_grad()
def score_samples(forward: PoseForwardModel, inputs: EvalInputs, x6d: torch.Tensor,
                  seconds: float) -> tuple[dict[str, float], PoseOutput]:
    """Every pose metric of K samples per input ``x6d`` [N, K, 144] that took ``seconds`` in all, and what the
    forward model made of them (for figures)."""
    out = forward.pose(x6d)
    row = pose_metrics(inputs.keypoints, out.keypoints, inputs.joints3d, out.joints, out.rotations,
                       forward.image_size)
    row["seconds_per_sample"] = seconds / (x6d.shape[0] * x6d.shape[1])
    return row, out
