"""DVC stage train_igo@<alpha>: the IGO score model trained with loss weight alpha -> models/igo/alpha<alpha>/."""
from invdiff.experiments.igo.task import IgoTask, models_folder
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs


def work(params, args):
    result = train(IgoTask(float(args.alpha)), params, models_folder() / f"alpha{args.alpha}")
    write_training_outputs(f"igo_alpha{args.alpha}", result)  # spelt as DVC's foreach item, like dvc.yaml's paths


def arguments(parser):
    parser.add_argument("--alpha", required=True, help="weight of the full-path loss, one of igo.alphas")


if __name__ == "__main__":
    run_stage("train_igo", work, add_arguments=arguments)
