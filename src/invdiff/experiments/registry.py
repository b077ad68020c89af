"""Every trainable task by name, for ``train(get_task("branin"), ...)`` from a notebook and for the tests.

Stage scripts do not come through here: each constructs its own task, so a stage loads only its experiment.
IGO has one task per loss weight α, named ``igo_alpha<α>`` (``igo_alpha0.9``); any α in (0, 1] resolves. The panel
latent ODEs are ``panel_<data set>_<model>`` (``panel_hopper_igo``); the point-cloud denoisers ``pointcloud_score``
(pretrained), ``pointcloud_plain`` and ``pointcloud_igo`` (fine-tuned from it); the inverse experiment's
``inverse_prior`` and ``inverse_optimizer``.
"""
from __future__ import annotations

from invdiff.experiments.branin.task import BraninTask
from invdiff.experiments.igo.task import IgoTask
from invdiff.experiments.inverse.task import InverseOptimizerTask, InversePriorTask
from invdiff.experiments.mnist.classifier import ClassifierTask
from invdiff.experiments.mnist.task import MnistCfgTask
from invdiff.experiments.panel.task import PanelTask
from invdiff.experiments.pointcloud.task import PointCloudTask
from invdiff.experiments.pose.task import PoseTask
from invdiff.task import Task

TASKS: dict[str, Task] = {task.name: task for task in (
    BraninTask(), ClassifierTask(), MnistCfgTask(), PoseTask("mlp"), PoseTask("transformer"), IgoTask(1.0),
    InversePriorTask(), InverseOptimizerTask(),
    *(PanelTask(dataset, kind) for dataset in ("rotmnist", "hopper") for kind in ("node", "meode", "igo")),
    *(PointCloudTask(stage) for stage in PointCloudTask.STAGES))}
IGO_PREFIX = "igo_alpha"


def get_task(name: str) -> Task:
    if name in TASKS:
        return TASKS[name]
    if name.startswith(IGO_PREFIX):
        try:
            return IgoTask(float(name.removeprefix(IGO_PREFIX)))
        except ValueError:
            pass
    raise ValueError(f"unknown task {name!r}; known tasks: {', '.join(TASKS)}, {IGO_PREFIX}<alpha> for any alpha "
                     "in (0, 1]")
