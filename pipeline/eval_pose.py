"""DVC stage eval_pose: MLP vs transformer DDPM per guidance weight -> metrics/pose.json, plots/pose/, and the
model ``invdiff sample-pose`` uses by default -> models/pose_default.json.

MLflow (experiment `pose`): one child run per (protocol, arch, w) with the metric keys of the JSON.
"""
from invdiff import tracking
from invdiff.config import flatten
from invdiff.experiments.pose import default_model
from invdiff.experiments.pose import evaluate as pose_eval
from invdiff.experiments.pose.data.forward_model import load_forward_model
from invdiff.experiments.pose.evaluate import headline
from invdiff.experiments.pose.figures import write_eval_plots
from invdiff.experiments.pose.task import ARCHS, PoseTask
from invdiff.io import atomic_dir, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "camera", "pose.data", "pose.diffusion", "pose.eval", "pose.baselines.refine")


def work(params):
    modules = {arch: PoseTask(arch).load() for arch in ARCHS}
    forward = load_forward_model(params.camera)
    result, samples, inputs = pose_eval.evaluate(params, modules, forward)
    result["train_seconds"] = pose_eval.train_seconds(ARCHS)
    with atomic_dir(plots_dir("pose")) as folder:
        figures = write_eval_plots(folder, params, result, samples, inputs, forward)
    tracking.log_evaluation("pose", "eval_pose", result["data_source"], flatten(params.pose.eval, "pose.eval."),
                            pose_eval.mlflow_children(params, result), figures=figures)
    write_results("pose", result, headline(result))
    default_model.write(default_model.DefaultModel(**result["default_model"]))


if __name__ == "__main__":
    run_stage("eval_pose", work, reads=READS)
