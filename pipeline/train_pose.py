"""DVC stage train_pose@<arch>: the pose DDPM with the MLP or the transformer denoiser -> models/pose_<arch>/."""
from invdiff.stage import run_stage
from invdiff.tasks.pose import ARCHS
from invdiff.training import train, write_training_outputs


def work(params, args):
    name = f"pose_{args.arch}"
    write_training_outputs(name, train(name, params, f"models/{name}"))


def arguments(parser):
    parser.add_argument("--arch", required=True, choices=ARCHS, help="denoiser architecture")


if __name__ == "__main__":
    run_stage("train_pose", work, add_arguments=arguments)
