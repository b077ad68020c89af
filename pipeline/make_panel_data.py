"""DVC stage make_panel_data: rotating MNIST (from the real digits of fetch_mnist) and MuJoCo hopper trajectories
-> data/processed/panel/, metrics/panel_data.json, plots/panel_data/."""
import logging

from invdiff.experiments.panel import data as panel
from invdiff.experiments.panel import figures
from invdiff.io import save_figure, write_results
from invdiff.paths import project_path
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "mnist.source", "panel.data")

log = logging.getLogger("invdiff")


def work(params):
    stats = panel.make(params.panel.data, params.mnist.source, params.seed)
    for name in panel.DATASETS:
        log.info("panel %s: %s sequences (%s)", name, stats[name]["sequences"], stats[name]["data_source"])
    train = panel.load_split("rotmnist", "train")
    save_figure(figures.rotmnist_sequences(train["frames"][:6], train["label"][:6],
                                           "rotating MNIST, train: real digits, start angle and angle per step "
                                           "random"), project_path("plots", "panel_data", "rotmnist.png"))
    states = panel.load_split("hopper", "train")["states"][:8]
    save_figure(figures.hopper_trajectories(states, stats["hopper"]["observation_interval_ms"] / 1000,
                                            f"hopper, train: 8 of {stats['hopper']['sequences']['train']} MuJoCo "
                                            "trajectories (unactuated)"),
                project_path("plots", "panel_data", "hopper.png"))
    write_results("panel_data", {name: {k: v for k, v in stats[name].items() if not k.startswith("state_")}
                                 for name in panel.DATASETS})


if __name__ == "__main__":
    run_stage("make_panel_data", work, reads=READS)
