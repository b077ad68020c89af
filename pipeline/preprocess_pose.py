"""DVC stage preprocess_pose: AMASS-format motions -> data/processed/pose/{train,val,test}.npz + stats.json."""
import time

from invdiff.experiments.pose.data import dataset as pose_dataset
from invdiff.experiments.pose.data import preprocess
from invdiff.io import atomic_dir, write_json, write_results
from invdiff.paths import plots_dir
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("camera", "pose.data")


def work(params):
    start = time.perf_counter()
    with atomic_dir(pose_dataset.processed_dir()) as folder:
        stats, splits, model = preprocess.preprocess(params, folder)
        write_json(folder / "stats.json", stats)
    seconds = time.perf_counter() - start
    with atomic_dir(plots_dir("pose_data")) as folder:
        preprocess.write_figures(folder, preprocess.figures(splits, model, stats))
    write_results("pose_data", preprocess.summary(stats, seconds))


if __name__ == "__main__":
    run_stage("preprocess_pose", work, reads=READS)
