"""DVC stage preprocess_pose: AMASS-format motions -> data/processed/pose/{train,val,test}.npz + stats.json."""
import time

from invdiff.data import pose_dataset
from invdiff.io import atomic_dir, write_json
from invdiff.stage import run_stage
from invdiff.tasks import pose_data


def work(params):
    start = time.perf_counter()
    with atomic_dir(pose_dataset.PROCESSED_DIR) as folder:
        stats, splits, model = pose_data.preprocess(params, folder)
        write_json(folder / "stats.json", stats)
    seconds = time.perf_counter() - start
    with atomic_dir("plots/pose_data") as folder:
        pose_data.write_figures(folder, pose_data.figures(splits, model, stats))
    write_json("metrics/pose_data.json", pose_data.summary(stats, seconds))


if __name__ == "__main__":
    run_stage("preprocess_pose", work)
