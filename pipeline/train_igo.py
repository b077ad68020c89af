"""DVC stage train_igo@<alpha>: the IGO score model trained with loss weight alpha -> models/igo/alpha<alpha>/."""
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs


def work(params, args):
    name = f"igo_alpha{args.alpha}"  # spelt as DVC's foreach item, so the outputs match dvc.yaml's paths
    write_training_outputs(name, train(name, params, f"models/igo/alpha{args.alpha}"))


def arguments(parser):
    parser.add_argument("--alpha", required=True, help="weight of the full-path loss, one of igo.alphas")


if __name__ == "__main__":
    run_stage("train_igo", work, add_arguments=arguments)
