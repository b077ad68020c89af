"""A synthetic stand-in for the licensed SMPL model file, in SMPL's own pickle format.

Used only when no licensed file is configured, and labelled ``synthetic`` wherever it is used. It has SMPL's
topology where it matters to us: 6,890 vertices, 24 joints with SMPL's kinematic tree and neutral rest
joints (see :mod:`.skeleton`), and the landmark vertices smplx reads for the face and foot
keypoints at the very ids smplx uses. The surface is a coarse set of rigidly skinned tubes (one per bone,
weight 1 on the bone's parent joint) plus a head; there are no pose or shape correctives.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import scipy.sparse

from invdiff.experiments.pose.data.skeleton import NUM_SMPL_JOINTS, SMPL_PARENTS, smpl_rest_joints

NUM_VERTICES = 6890
NUM_POSE_BASIS = 9 * (NUM_SMPL_JOINTS - 1)
NUM_BETAS = 10
TUBE_SIDES = 12
STANDIN_MARKER = "invdiff synthetic stand-in; not the licensed SMPL model"

# Landmark offsets from a joint (metres, SMPL template frame: +X left, +Y up, +Z forward), placed by typical
# adult head and foot proportions: nose ~11 cm in front of the head joint, eyes 3 cm either side of the
# midline, ears at the side of the skull, toes ~10 cm ahead of the toe joint, heels behind and below the ankle.
_LANDMARKS: dict[str, tuple[int, tuple[float, float, float]]] = {
    "nose": (15, (0.0, 0.035, 0.105)),
    "reye": (15, (-0.032, 0.07, 0.085)),
    "leye": (15, (0.032, 0.07, 0.085)),
    "rear": (15, (-0.075, 0.045, -0.01)),
    "lear": (15, (0.075, 0.045, -0.01)),
    "LBigToe": (10, (-0.015, -0.026, 0.095)),
    "LSmallToe": (10, (0.045, -0.026, 0.06)),
    "LHeel": (7, (0.0, -0.07, -0.06)),
    "RBigToe": (11, (0.015, -0.026, 0.095)),
    "RSmallToe": (11, (-0.045, -0.026, 0.06)),
    "RHeel": (8, (0.0, -0.07, -0.06)),
}
_FINGERTIP_OFFSET = 0.09  # beyond the SMPL hand joint, along the arm

# tube radius per bone, keyed by the child joint (metres)
_RADIUS = {1: 0.09, 2: 0.09, 3: 0.13, 4: 0.075, 5: 0.075, 6: 0.14, 7: 0.05, 8: 0.05, 9: 0.15, 10: 0.04,
           11: 0.04, 12: 0.06, 13: 0.06, 14: 0.06, 15: 0.05, 16: 0.06, 17: 0.06, 18: 0.045, 19: 0.045,
           20: 0.035, 21: 0.035, 22: 0.03, 23: 0.03}


def _landmark_vertex_ids() -> dict[str, int]:
    from smplx.vertex_ids import vertex_ids

    return dict(vertex_ids["smplh"])


def _perpendicular_basis(direction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    helper = np.array([0.0, 0.0, 1.0]) if abs(direction[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(direction, helper)
    u /= np.linalg.norm(u)
    return u, np.cross(direction, u)


def _tube(start: np.ndarray, end: np.ndarray, radius: float, rings: int) -> tuple[np.ndarray, np.ndarray]:
    axis = end - start
    u, v = _perpendicular_basis(axis / np.linalg.norm(axis))
    angles = np.linspace(0, 2 * np.pi, TUBE_SIDES, endpoint=False)
    circle = np.cos(angles)[:, None] * u + np.sin(angles)[:, None] * v
    heights = np.linspace(0.0, 1.0, rings)
    verts = (start + heights[:, None, None] * axis + radius * circle[None]).reshape(-1, 3)
    faces = []
    for r in range(rings - 1):
        for s in range(TUBE_SIDES):
            a, b = r * TUBE_SIDES + s, r * TUBE_SIDES + (s + 1) % TUBE_SIDES
            faces += [(a, b, a + TUBE_SIDES), (b, b + TUBE_SIDES, a + TUBE_SIDES)]
    return verts, np.asarray(faces)


def _sphere(centre: np.ndarray, radii: np.ndarray, stacks: int = 8) -> tuple[np.ndarray, np.ndarray]:
    theta = np.linspace(0.15, np.pi - 0.15, stacks)
    phi = np.linspace(0, 2 * np.pi, TUBE_SIDES, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], -1).reshape(-1, 3)
    faces = []
    for r in range(stacks - 1):
        for s in range(TUBE_SIDES):
            a, b = r * TUBE_SIDES + s, r * TUBE_SIDES + (s + 1) % TUBE_SIDES
            faces += [(a, b, a + TUBE_SIDES), (b, b + TUBE_SIDES, a + TUBE_SIDES)]
    return centre + unit * radii, np.asarray(faces)


def _surface_parts(joints: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(vertices, faces, skinning joint) of every piece of the surface: a tube per bone, hands, toes, the head."""
    parts = []
    for child in range(1, NUM_SMPL_JOINTS):
        parent = SMPL_PARENTS[child]
        length = np.linalg.norm(joints[child] - joints[parent])
        rings = max(2, int(round(length / 0.02)))
        verts, faces = _tube(joints[parent], joints[child], _RADIUS[child], rings)
        parts.append((verts, faces, parent))
    for hand, direction in ((22, 1.0), (23, -1.0)):
        tip = joints[hand] + np.array([direction * _FINGERTIP_OFFSET, 0.0, 0.0])
        parts.append((*_tube(joints[hand], tip, 0.025, 4), hand))
    for toe in (10, 11):
        tip = joints[toe] + np.array([0.0, -0.02, 0.1])
        parts.append((*_tube(joints[toe], tip, 0.035, 4), toe))
    head_centre = joints[15] + np.array([0.0, 0.07, 0.02])
    parts.append((*_sphere(head_centre, np.array([0.08, 0.11, 0.1])), 15))
    return parts


def _place_parts(parts, free: list[int], joints: np.ndarray, v_template: np.ndarray, owner: np.ndarray) -> list:
    """Write the parts into the free vertex slots (the rest sit on the pelvis, in no face); returns their faces."""
    faces_out, cursor = [], 0
    for verts, faces, joint in parts:
        if cursor + len(verts) > len(free):
            raise RuntimeError("stand-in surface needs more vertices than SMPL has")
        slots = np.asarray(free[cursor:cursor + len(verts)])
        v_template[slots], owner[slots] = verts, joint
        faces_out.append(slots[faces])
        cursor += len(verts)
    rest_slots = np.asarray(free[cursor:], dtype=np.int64)
    v_template[rest_slots], owner[rest_slots] = joints[0], 0
    return faces_out


def _place_landmarks(landmark_ids: dict[str, int], joints: np.ndarray, v_template: np.ndarray,
                     owner: np.ndarray) -> None:
    """The vertices BODY_25 reads (nose, ears, feet, fingertips) at their places on the stand-in."""
    for name, vid in landmark_ids.items():
        if name in _LANDMARKS:
            joint, offset = _LANDMARKS[name]
            v_template[vid], owner[vid] = joints[joint] + np.asarray(offset), joint
        else:  # fingertips: five points spread across the hand's end
            hand = 22 if name.startswith("l") else 23
            finger = ("thumb", "index", "middle", "ring", "pinky").index(name[1:])
            side = 1.0 if hand == 22 else -1.0
            v_template[vid] = joints[hand] + np.array([side * _FINGERTIP_OFFSET, 0.0, 0.04 - 0.02 * finger])
            owner[vid] = hand


def build_standin_model() -> dict:
    """The arrays of an SMPL model file (the keys smplx reads), for the stand-in body."""
    joints = smpl_rest_joints()
    landmark_ids = _landmark_vertex_ids()
    reserved = set(landmark_ids.values())
    free = [i for i in range(NUM_VERTICES) if i not in reserved]
    joint_slots, free = free[:NUM_SMPL_JOINTS], free[NUM_SMPL_JOINTS:]
    v_template = np.zeros((NUM_VERTICES, 3))
    owner = np.zeros(NUM_VERTICES, dtype=np.int64)
    faces_out = _place_parts(_surface_parts(joints), free, joints, v_template, owner)
    v_template[joint_slots], owner[joint_slots] = joints, np.arange(NUM_SMPL_JOINTS)
    _place_landmarks(landmark_ids, joints, v_template, owner)

    j_regressor = scipy.sparse.csc_matrix(
        (np.ones(NUM_SMPL_JOINTS), (np.arange(NUM_SMPL_JOINTS), np.asarray(joint_slots))),
        shape=(NUM_SMPL_JOINTS, NUM_VERTICES))
    kintree = np.stack([np.asarray(SMPL_PARENTS, dtype=np.int64) % 2**32,
                        np.arange(NUM_SMPL_JOINTS)]).astype(np.uint32)
    return {
        "v_template": v_template,
        "weights": np.eye(NUM_SMPL_JOINTS)[owner],
        "posedirs": np.zeros((NUM_VERTICES, 3, NUM_POSE_BASIS), dtype=np.float32),
        "shapedirs": np.zeros((NUM_VERTICES, 3, NUM_BETAS), dtype=np.float32),
        "J_regressor": j_regressor,
        "J": joints,
        "kintree_table": kintree,
        "f": np.concatenate(faces_out).astype(np.uint32),
        "bs_type": "lrotmin",
        "bs_style": "lbs",
        "invdiff_standin": STANDIN_MARKER,
    }


def write_standin_model(path: str | Path) -> None:
    """Pickle the stand-in like SMPL's own ``.pkl`` so smplx loads it through its normal path."""
    with open(path, "wb") as handle:
        pickle.dump(build_standin_model(), handle, protocol=2)
