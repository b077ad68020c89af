"""DVC stage make_point_clouds: point clouds sampled on the shipped meshes (data/meshes, CGAL's, CC0), normalised
to the unit sphere, with Gaussian noise -> data/processed/pointcloud/, metrics/point_clouds.json, plots/point_clouds/.
"""
import logging

from invdiff.experiments.pointcloud import data, figures
from invdiff.io import save_figure, write_results
from invdiff.paths import project_path
from invdiff.stage import run_stage

# the params keys this stage reads: dvc.yaml's params list (make dvc-deps), enforced while it runs
READS = ("seed", "pointcloud.data")

log = logging.getLogger("invdiff")


def work(params):
    cfg = params.pointcloud.data
    stats = data.make(cfg, params.seed)
    log.info("point clouds: %d train and %d test meshes, %s points, noise %s (%s)", len(cfg.train_meshes),
             len(cfg.test_meshes), cfg.points, cfg.noise, data.SOURCE)
    test = data.Split("test")
    n = cfg.points[0]
    for name in test.names[:3]:
        clouds = {"clean": test.clean(name, n), **{f"noise {s:.0%}": test.noisy(name, n, s) for s in cfg.noise}}
        save_figure(figures.clouds_row(clouds, f"test mesh {name}: {n} points, unit sphere"),
                    project_path("plots", "point_clouds", f"{name}.png"))
    write_results("point_clouds", stats)


if __name__ == "__main__":
    run_stage("make_point_clouds", work, reads=READS)
