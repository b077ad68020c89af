"""DVC stage train_pose@<arch>: the pose DDPM with the MLP or the transformer denoiser -> models/pose_<arch>/."""
from invdiff.experiments.pose.task import ARCHS, PoseTask
from invdiff.paths import models_dir
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = (
    "seed", "trainer", "amass", "body_model", "camera", "pose.data", "pose.diffusion", "pose.standardize",
    "pose.keypoint_dropout", "pose.${item}", "pose.train.${item}", "pose.ema"
)


def work(params, args):
    task = PoseTask(args.arch)
    write_training_outputs(task.name, train(task, params, models_dir() / task.name))


def arguments(parser):
    parser.add_argument("--arch", required=True, choices=ARCHS, help="denoiser architecture")


if __name__ == "__main__":
    run_stage("train_pose", work, reads=READS, foreach="arch", add_arguments=arguments)
