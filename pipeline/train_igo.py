"""DVC stage train_igo@<alpha>: the IGO score model trained with loss weight alpha -> models/igo/alpha<alpha>/, and
one more per further training seed (igo.training_seeds) -> models/igo/alpha<alpha>/seed<s>/."""
from invdiff.experiments.igo.task import IgoTask, extra_training_seeds, models_folder, seed_folder
from invdiff.stage import run_stage
from invdiff.training import train, write_training_outputs

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "trainer", "mnist", "igo.sde", "igo.model", "igo.train", "igo.time_sampling", "igo.ema",
         "igo.training_seeds")


def work(params, args):
    task, folder = IgoTask(float(args.alpha)), models_folder() / f"alpha{args.alpha}"
    result = train(task, params, folder)
    write_training_outputs(f"igo_alpha{args.alpha}", result)  # spelt as DVC's foreach item, like dvc.yaml's paths
    for seed in extra_training_seeds(params, task.alpha):
        train(task, params.model_copy(update={"seed": seed}), seed_folder(folder, seed))


def arguments(parser):
    parser.add_argument("--alpha", required=True, help="weight of the full-path loss, one of igo.alphas")


if __name__ == "__main__":
    run_stage("train_igo", work, reads=READS, foreach="alpha", add_arguments=arguments)
