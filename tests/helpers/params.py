"""Tiny params for fast tests, built from the repository's params.yaml so they never drift from it."""
import copy
from pathlib import Path

from invdiff.config import load_yaml, parse_params
from invdiff.overlay import apply_overlay, load_overlay
from invdiff.overrides import set_dotted

REPO = Path(__file__).resolve().parents[2]


def tiny_raw(**overrides):
    raw = copy.deepcopy(load_yaml(REPO / "params.yaml"))
    b = raw["branin"]
    b["data"]["n_train"] = 512
    b["diffusion"]["timesteps"] = 50
    b["model"].update(width=16, depth=1, time_embed_dim=8)
    b["train"].update(max_steps=12, batch_size=64)
    b["eval"].update(n_samples=16, targets=[-5.0, -60.0], guidance_weights=[0.0, 2.0], seeds=2)
    b["baselines"]["gradient_descent"]["steps"] = 20
    b["baselines"]["mcmc"]["steps"] = 40
    raw["classifier"]["feature_dim"] = 8  # train mode only; FID uses the frozen 32-d net, so sets hold > 32 images
    raw["classifier"]["train"].update(max_steps=6, batch_size=32)
    m = raw["mnist_cfg"]
    m["diffusion"]["timesteps"] = 8
    m["model"]["n_feat"] = 8
    m["train"].update(max_steps=4, batch_size=16)
    m["eval"].update(samples_per_class=4, guidance_weights=[0.0, 2.0])
    raw["amass"]["synthetic"].update(sequences={"train": 4, "val": 2, "test": 2}, seconds=[1.0, 2.0])
    pose = raw["pose"]
    pose["diffusion"]["timesteps"] = 20
    pose["mlp"].update(width=16, depth=1, time_embed_dim=8)
    pose["transformer"].update(width=16, heads=2, joint_layers=1, keypoint_layers=1, decoder_rounds=1)
    for arch in ("mlp", "transformer"):
        pose["train"][arch].update(max_steps=4, batch_size=16, warmup_steps=2)
    pose["eval"].update(guidance_weights=[0.0, 2.0], samples_per_input=2, val_inputs=4, figure_inputs=2)
    pose["eval"]["paper"].update(sequences=2, seconds=1.0, frame_stride=10)
    pose["eval"]["sampler"].update(name="ddim", steps=5)
    pose["baselines"]["gradient_descent"]["steps"] = 5
    pose["baselines"]["dps"].update(zetas=[0.1, 1.0], sweep_inputs=2, steps=3)
    pose["baselines"]["refine"]["steps"] = 20
    panel = raw["panel"]["data"]
    panel["rotmnist"].update(train=8, val=4, test=4, steps=4)
    panel["hopper"].update(train=6, val=3, test=3, observations=3)
    raw["panel"]["training"]["seeds"] = 2
    for name, interp in (("rotmnist", 2), ("hopper", 2)):
        section = raw["panel"][name]
        section["interp_steps"] = interp
        section["model"].update(latent_dim=4, effect_dim=2, hidden=8, features=8, channels=2)
        section["train"].update(max_steps=3, batch_size=4)
    raw["panel"]["eval"]["figure_sequences"] = 2
    raw["pointcloud"]["data"].update(train_meshes=["hand"], test_meshes=["octahedron", "star"], points=[300],
                                     noise=[0.02])
    pc = raw["pointcloud"]
    pc["model"].update(convs=1, width=8, knn=4, hidden=8, blocks=1)
    pc["training"].update(patch_points=64, draws=1, patches_per_cloud=4, seeds=2, track_every=1)
    for phase in ("pretrain", "finetune"):
        pc["training"][phase].update(max_steps=3, batch_size=2, frames=4, frame_knn=8, threads=1)
    pc["denoise"].update(steps=2, ensemble=2)
    igo = raw["igo"]
    igo["alphas"] = [1.0, 0.5]
    igo["sde"].update(em_steps=20, t_min=0.05)
    igo["model"].update(channels=[4, 8, 8, 8], embed_dim=8)
    igo["train"].update(max_steps=4, batch_size=16)
    igo["eval"].update(num_samples=40, batch_size=40, seeds=2)
    igo["eval"]["sampler"].update(rtol=1e-2, atol=1e-2)
    igo["training_seeds"] = {"alphas": [1.0, 0.5], "count": 2}
    inv = raw["inverse"]
    inv["operators"] = {"box": {"kind": "box", "size": 12}, "pool4": {"kind": "pool", "factor": 4}}
    inv["diffusion"]["timesteps"] = 8
    inv["model"]["n_feat"] = 8
    inv["train"].update(max_steps=4, batch_size=16, warmup_steps=2)
    inv["pairs_per_image"] = 1
    inv["eval"].update(inputs=40, calibration_inputs=2, calibration_samples=3, seeds=2, steps=3, pareto_steps=[2],
                       guidance_weights=[0.0, 1.0], dps={"zeta": [0.01]}, pigdm={"zeta": [1.0]},
                       tmpd={"zeta": [0.3, 1.0]}, floor_draws=2)
    inv["eval"]["gpnp"].update(beta=[1.0], sigma_max=[0.3])  # 8 timesteps reach σ = 0.42 only
    raw["trainer"].update(log_every_n_steps=2, checkpoint_every_n_steps=5)
    raw["mlflow"]["enabled"] = False
    return set_dotted(raw, overrides)


def tiny_params(**overrides):
    return parse_params(tiny_raw(**overrides))


def paper_params():
    """params.yaml with the params-paper.yaml overlay applied, as `make paper-params` writes it."""
    raw = copy.deepcopy(load_yaml(REPO / "params.yaml"))
    return parse_params(apply_overlay(raw, load_overlay(REPO / "params-paper.yaml"), "params-paper.yaml"))
