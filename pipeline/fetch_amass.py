"""DVC stage fetch_amass: the body model and the motions -> data/raw/body_model/, data/raw/amass/.

Synthetic stand-ins (offline default) or the licensed SMPL file and a real AMASS folder; see README "Data".
"""
from invdiff.experiments.pose.data import body_model
from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.io import atomic_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "body_model", "amass")


def work(params):
    with atomic_dir(body_model.model_dir()) as folder:
        body_model.prepare_body_model(params.body_model, folder)
    with atomic_dir(pose_dataset.raw_dir()) as folder:
        pose_dataset.write_manifest(folder, params.amass, params.seed)


if __name__ == "__main__":
    run_stage("fetch_amass", work, reads=READS)
