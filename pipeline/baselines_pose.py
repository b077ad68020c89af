"""DVC stage baselines_pose: gradient descent, DPS and CFG+DPS vs the CFG transformer -> metrics/pose_baselines.json.

MLflow (experiment `pose`): run `baselines_pose` with one child run per method.
"""
from invdiff.config import flatten
from invdiff.stage import run_stage


def work(params):
    from invdiff import tracking
    from invdiff.data import pose_dataset
    from invdiff.data.forward_model import load_forward_model
    from invdiff.io import atomic_dir, write_json
    from invdiff.tasks import pose_baselines, pose_eval
    from invdiff.tasks.pose import PoseTask

    module = PoseTask("transformer").load("models/pose_transformer/model.ckpt")
    forward = load_forward_model(params.camera)
    inputs = pose_eval.protocol_inputs(params)["val"]
    rows, samples, sweep = pose_baselines.run(params, module, forward, inputs)
    data_source = pose_dataset.load_stats()["data_source"]
    with atomic_dir("plots/pose_baselines") as folder:
        figures = pose_baselines.write_plots(folder, params, rows, samples, inputs, forward, data_source)
    tags = tracking.run_tags("baselines_pose", data_source, task="pose")
    with tracking.start_run("pose", "baselines_pose", tags, flatten(params.pose.baselines, "pose.baselines.")):
        for name, row in rows.items():
            tracking.log_child_run(name, {"method": name, "protocol": "val"}, row)
        for name, fig in figures.items():
            tracking.log_figure(fig, name)
    write_json("metrics/pose_baselines.json", {**rows, "dps_zeta_sweep": sweep, "data_source": data_source,
                                               "inputs": len(inputs.names),
                                               "samples_per_input": params.pose.eval.samples_per_input})


if __name__ == "__main__":
    run_stage("baselines_pose", work)
