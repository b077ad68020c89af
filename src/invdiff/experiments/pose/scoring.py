"""Scoring pose samples, written once for the evaluation, the baselines and the CLI: the inputs a method answers,
and ``forward model → projection → pose metrics → seconds per sample`` for its K answers per input."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data.camera import project_with
from invdiff.experiments.pose.data.config import CameraConfig
from invdiff.experiments.pose.data.forward_model import PoseForwardModel, PoseOutput
from invdiff.experiments.pose.metrics import pose_metrics


@dataclass
class View:
    """Where each input was seen from, when not from the fixed training camera: the body keeps its global
    translation and each input has its own camera (the authors' protocol: one camera per sequence)."""

    rotations: torch.Tensor  # [N, 3, 3] world -> camera
    positions: torch.Tensor  # [N, 3] camera positions, metres
    transl: torch.Tensor     # [N, 3] the body's global translation, metres
    camera: CameraConfig

    def project(self, body25: torch.Tensor) -> torch.Tensor:
        """Root-fixed BODY_25 points [N, ..., 25, 3] -> pixels [N, ..., 25, 2] as this view sees them."""
        lead = (1,) * (body25.dim() - 2)
        placed = body25 + self.transl.to(body25).reshape(len(self.transl), *lead, 3)
        return project_with(placed, self.rotations, self.positions, self.camera)

    def select(self, index) -> View:
        return View(self.rotations[index], self.positions[index], self.transl[index], self.camera)


@dataclass
class EvalInputs:
    x6d: torch.Tensor        # [N, 144] ground truth
    keypoints: torch.Tensor  # [N, 25, 2] pixels
    joints3d: torch.Tensor   # [N, 24, 3] metres
    names: list[str]         # "sequence@frame", for figures
    view: View | None = None  # None: the fixed training camera, body at the origin

    def select(self, index: list[int]) -> EvalInputs:
        """The inputs at ``index``, with their views."""
        return EvalInputs(self.x6d[index], self.keypoints[index], self.joints3d[index], [self.names[i] for i in index],
                          None if self.view is None else self.view.select(index))


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
    if inputs.view is not None:
        out.keypoints = inputs.view.project(out.body25)
    row = pose_metrics(inputs.keypoints, out.keypoints, inputs.joints3d, out.joints, out.rotations,
                       forward.image_size)
    row["seconds_per_sample"] = seconds / (x6d.shape[0] * x6d.shape[1])
    return row, out
