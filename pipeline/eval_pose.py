"""DVC stage eval_pose: MLP vs transformer DDPM per guidance weight -> metrics/pose.json, plots/pose/.

MLflow (experiment `pose`): one child run per (protocol, arch, w) with the metric keys of the JSON.
"""
from invdiff.config import flatten
from invdiff.stage import run_stage
from invdiff.tasks import pose_eval
from invdiff.tasks.pose import ARCHS, PoseTask


def work(params):
    from invdiff import tracking
    from invdiff.data.forward_model import load_forward_model
    from invdiff.io import atomic_dir, write_json

    modules = {arch: PoseTask(arch).load(f"models/pose_{arch}/model.ckpt") for arch in ARCHS}
    forward = load_forward_model(params.camera)
    result, samples, inputs = pose_eval.evaluate(params, modules, forward)
    result["train_seconds"] = pose_eval.train_seconds(ARCHS)
    with atomic_dir("plots/pose") as folder:
        figures = pose_eval.write_plots(folder, params, result, samples, inputs, forward)
    tags = tracking.run_tags("eval_pose", result["data_source"], task="pose")
    with tracking.start_run("pose", "eval_pose", tags, flatten(params.pose.eval, "pose.eval.")):
        for protocol in pose_eval.PROTOCOLS:
            for arch in ARCHS:
                for w in params.pose.eval.guidance_weights:
                    tracking.log_child_run(f"{protocol} {arch} w={w:g}",
                                           {"protocol": protocol, "arch": arch, "w": w,
                                            "sampler": params.pose.eval.sampler.name,
                                            "num_parameters": result["params"][arch]},
                                           result[protocol][arch][f"w={float(w)}"])
        for name, fig in figures.items():
            tracking.log_figure(fig, name)
    write_json("metrics/pose.json", result)


if __name__ == "__main__":
    run_stage("eval_pose", work)
