"""The SMPL body model through smplx: the licensed file when configured, the synthetic stand-in otherwise.

``prepare_body_model`` (stage fetch_amass) puts the model file in ``data/raw/body_model/`` with a
``body_model.json`` that says which one it is; everything downstream loads it from there with
:func:`load_body_model` and evaluates keypoints with :class:`BodyKeypoints`.
"""
from __future__ import annotations

import contextlib
import io
import logging
import pickle
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from invdiff.errors import ConfigError, MissingInputError
from invdiff.experiments.pose.data.config import BodyModelConfig
from invdiff.experiments.pose.data.skeleton import BODY25_FROM_SMPLX, NUM_SMPL_JOINTS, SMPLX_EXTRA_LANDMARKS
from invdiff.experiments.pose.data.standin_body import STANDIN_MARKER, write_standin_model
from invdiff.io import atomic_path, md5sum, write_json
from invdiff.paths import project_path

log = logging.getLogger("invdiff")

MODEL_DIR = Path("data/raw/body_model")  # relative to the project root
INFO_FILE = "body_model.json"
STANDIN_FILE = "SMPL_NEUTRAL_standin.pkl"
SMPL_HOWTO = ("register at https://smpl.is.tue.mpg.de, download 'SMPL for Python', and set body_model.path to "
              "SMPL_NEUTRAL.pkl (or basicModel_neutral_lbs_10_207_0_v1.0.0.pkl); or set it to null for the "
              "synthetic stand-in")


@dataclass(frozen=True)
class BodyModelInfo:
    path: Path
    data_source: str  # "real" | "synthetic"


def model_dir() -> Path:
    """The project's prepared body model folder (fetch_amass's output)."""
    return project_path(MODEL_DIR)


def prepare_body_model(cfg: BodyModelConfig, out_dir: str | Path | None = None) -> BodyModelInfo:
    """Write the stand-in, or copy and check the licensed file, into ``out_dir`` (default :func:`model_dir`)."""
    out_dir = model_dir() if out_dir is None else Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if cfg.path is None:
        target = out_dir / STANDIN_FILE
        with atomic_path(target) as tmp:
            write_standin_model(tmp)
        info = {"data_source": "synthetic", "file": target.name, "note": STANDIN_MARKER}
        log.warning("body model: SYNTHETIC stand-in %s (SMPL topology and rest joints, coarse rigid surface); "
                    "set body_model.path to a licensed SMPL file for real results", target.name)
    else:
        source = Path(cfg.path).expanduser()
        if not source.is_file():
            raise MissingInputError(f"body_model.path: {source} does not exist; {SMPL_HOWTO}")
        if source.suffix not in (".pkl", ".npz"):
            raise ConfigError(f"body_model.path: expected an SMPL .pkl or .npz file, got {source.name}")
        target = out_dir / ("SMPL_NEUTRAL" + source.suffix)
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        load_body_model(target)  # fail now, not three stages later
        info = {"data_source": "real", "file": target.name, "original_path": str(source.resolve()),
                "md5": md5sum(target)}
        log.info("body model: licensed SMPL file %s", source)
    write_json(out_dir / INFO_FILE, info)
    return BodyModelInfo(target, info["data_source"])


def body_model_info(folder: str | Path | None = None) -> BodyModelInfo:
    folder = model_dir() if folder is None else Path(folder)
    info_path = folder / INFO_FILE
    if not info_path.is_file():
        raise MissingInputError(f"{info_path}: no body model prepared; run `dvc repro fetch_amass`")
    import json

    info = json.loads(info_path.read_text())
    return BodyModelInfo(folder / info["file"], info["data_source"])


def _read_model_arrays(path: Path) -> dict:
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=True) as data:
            return {key: data[key] for key in data.files}
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle, encoding="latin1")
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"{path}: this SMPL pickle stores chumpy arrays ({exc.name} is not installed); convert it once with "
            "smplx's tools/clean_ch.py, or `pip install chumpy`") from None
    except (pickle.UnpicklingError, EOFError) as exc:
        raise ConfigError(f"{path}: not a readable SMPL model file ({exc})") from None


def load_body_model(path: str | Path):
    """An ``smplx.SMPL`` (neutral, betas = 0) from an SMPL ``.pkl``/``.npz``, real or stand-in."""
    import smplx
    from smplx.utils import Struct

    path = Path(path)
    if not path.is_file():
        raise MissingInputError(f"{path}: SMPL model file not found; {SMPL_HOWTO}")
    arrays = _read_model_arrays(path)
    missing = {"v_template", "weights", "posedirs", "shapedirs", "J_regressor", "kintree_table", "f"} - set(arrays)
    if missing:
        raise ConfigError(f"{path}: not an SMPL model file, missing {sorted(missing)}")
    with contextlib.redirect_stdout(io.StringIO()):  # smplx prints a warning about 10 shape components
        model = smplx.SMPL(model_path=str(path), data_struct=Struct(**arrays), gender="neutral")
    if model.J_regressor.shape[0] != NUM_SMPL_JOINTS:
        raise ConfigError(f"{path}: expected an SMPL model with {NUM_SMPL_JOINTS} joints, "
                          f"got {model.J_regressor.shape[0]}")
    return model


class BodyKeypoints(nn.Module):
    """SMPL forward kinematics restricted to what keypoints need: exact, and ~100× cheaper than all vertices.

    Takes the model's buffers as smplx built them, poses the 24 joints with ``smplx.lbs.batch_rigid_transform``
    and skins only the 11 landmark vertices (with their pose correctives), then orders them as BODY_25 exactly
    like ``smplx.SMPL(...).joints[:, BODY25_FROM_SMPLX]`` (the tests compare the two).
    """

    def __init__(self, smpl) -> None:
        super().__init__()
        extra_ids = smpl.vertex_joint_selector.extra_joints_idxs[:len(SMPLX_EXTRA_LANDMARKS)]
        v_template = smpl.v_template  # betas = 0, so the shape blend shapes vanish
        num_vertices = v_template.shape[0]
        self.register_buffer("rest_joints", smpl.J_regressor @ v_template)
        self.register_buffer("parents", smpl.parents.clone())
        self.register_buffer("landmarks_template", v_template[extra_ids].clone())
        posedirs = smpl.posedirs.reshape(-1, num_vertices, 3)[:, extra_ids, :]
        self.register_buffer("landmarks_posedirs", posedirs.reshape(posedirs.shape[0], -1).clone())
        self.register_buffer("landmarks_weights", smpl.lbs_weights[extra_ids].clone())
        self.register_buffer("body25_index", torch.tensor(BODY25_FROM_SMPLX))

    def forward(self, rotmats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """rotmats (B, 24, 3, 3) -> (joints (B, 24, 3), body25 (B, 25, 3)), metres, the model's world frame."""
        from smplx.lbs import batch_rigid_transform

        batch = rotmats.shape[0]
        rest = self.rest_joints.to(rotmats.dtype).expand(batch, -1, -1)
        joints, transforms = batch_rigid_transform(rotmats, rest, self.parents, dtype=rotmats.dtype)
        eye = torch.eye(3, dtype=rotmats.dtype, device=rotmats.device)
        pose_feature = (rotmats[:, 1:] - eye).reshape(batch, -1)
        landmarks = self.landmarks_template + (pose_feature @ self.landmarks_posedirs).reshape(batch, -1, 3)
        skin = torch.einsum("vj,bjkl->bvkl", self.landmarks_weights.to(rotmats.dtype), transforms)
        landmarks = (skin[..., :3, :3] @ landmarks[..., None]).squeeze(-1) + skin[..., :3, 3]
        body25 = torch.cat([joints, landmarks], dim=1)[:, self.body25_index]
        return joints, body25
