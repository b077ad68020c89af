"""The SMPL kinematic tree, its neutral rest pose, OpenPose BODY_25, and anatomical joint limits.

Frames: SMPL's template is Y-up, facing +Z, the body's left along +X. AMASS's root orientation carries the
body into a Z-up world; every joint rotation below the root is expressed in its parent's frame, which in the
rest pose is parallel to SMPL's template frame.
"""
from __future__ import annotations

import numpy as np

SMPL_JOINT_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle",
    "right_ankle", "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "left_hand", "right_hand",
)
SMPL_PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21)
NUM_SMPL_JOINTS = 24
NUM_BODY_JOINTS = 21  # AMASS's poses[:, 3:66]; SMPL's hands (22, 23) stay identity

# Neutral SMPL rest joints (J_regressor @ v_template of SMPL_NEUTRAL, betas = 0) as offsets to the parent joint,
# metres, SMPL order. Source: the SMPL_BODY_BONES table of HybrIK (Li et al., CVPR 2021; github.com/Jeff-sjtu/
# HybrIK), also used by PHC/ProtoMotions. Accumulated, it gives the published absolute joints, e.g. pelvis
# (-0.0018, -0.2233, 0.0282) and left wrist (0.6813, 0.2222, -0.0437).
SMPL_REST_OFFSETS = np.array([
    [-0.0018, -0.2233, 0.0282], [0.0695, -0.0914, -0.0068], [-0.0677, -0.0905, -0.0043],
    [-0.0025, 0.1090, -0.0267], [0.0343, -0.3752, -0.0045], [-0.0383, -0.3826, -0.0089],
    [0.0055, 0.1352, 0.0011], [-0.0136, -0.3980, -0.0437], [0.0158, -0.3984, -0.0423],
    [0.0015, 0.0529, 0.0254], [0.0264, -0.0558, 0.1193], [-0.0254, -0.0481, 0.1233],
    [-0.0028, 0.2139, -0.0429], [0.0788, 0.1217, -0.0341], [-0.0818, 0.1188, -0.0386],
    [0.0052, 0.0650, 0.0513], [0.0910, 0.0305, -0.0089], [-0.0960, 0.0326, -0.0091],
    [0.2596, -0.0128, -0.0275], [-0.2537, -0.0133, -0.0214], [0.2492, 0.0090, -0.0012],
    [-0.2553, 0.0078, -0.0056], [0.0840, -0.0082, -0.0149], [-0.0846, -0.0061, -0.0103],
])


def smpl_rest_joints() -> np.ndarray:
    """(24, 3) absolute rest joints in SMPL's template frame, metres."""
    joints = np.zeros((NUM_SMPL_JOINTS, 3))
    for j, parent in enumerate(SMPL_PARENTS):
        joints[j] = SMPL_REST_OFFSETS[j] + (joints[parent] if parent >= 0 else 0.0)
    return joints


BODY25_NAMES = (
    "nose", "neck", "right_shoulder", "right_elbow", "right_wrist", "left_shoulder", "left_elbow", "left_wrist",
    "mid_hip", "right_hip", "right_knee", "right_ankle", "left_hip", "left_knee", "left_ankle", "right_eye",
    "left_eye", "right_ear", "left_ear", "left_big_toe", "left_small_toe", "left_heel", "right_big_toe",
    "right_small_toe", "right_heel",
)
NUM_BODY25 = len(BODY25_NAMES)
# Landmarks smplx appends after SMPL's 24 joints (smplx VertexJointSelector, in this order), then fingertips.
SMPLX_EXTRA_LANDMARKS = ("nose", "reye", "leye", "rear", "lear", "LBigToe", "LSmallToe", "LHeel", "RBigToe",
                         "RSmallToe", "RHeel")
# ProHMR's mapping from smplx's SMPL output joints to BODY_25.
BODY25_FROM_SMPLX = (24, 12, 17, 19, 21, 16, 18, 20, 0, 2, 5, 8, 1, 4, 7, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34)
BODY25_BONES = (
    (1, 0), (0, 15), (15, 17), (0, 16), (16, 18), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (1, 8),
    (8, 9), (9, 10), (10, 11), (11, 22), (22, 23), (11, 24), (8, 12), (12, 13), (13, 14), (14, 19), (19, 20),
    (14, 21),
)
BODY25_LEFT = tuple(i for i, n in enumerate(BODY25_NAMES) if n.startswith("left"))
BODY25_RIGHT = tuple(i for i, n in enumerate(BODY25_NAMES) if n.startswith("right"))

# Anatomical limits per body joint as intrinsic Euler angles (degrees) in the joint's own order, the
# large-range axis first so the middle angle stays inside (-90, 90) and the decomposition is unique.
# Axes in the parent frame at rest: X = body's left, Y = up, Z = forward. Signs follow from SMPL's T-pose:
# hip flexion (thigh forward) is -X, knee flexion +X, spine flexion +X, left-arm abduction upward +Z and
# left-elbow flexion -Y (mirrored on the right). Ranges: typical active ranges of motion (AAOS tables),
# widened ~10 % so normal mocap stays inside. The root (pelvis) is free.
JOINT_LIMITS_DEG: dict[int, tuple[str, tuple[tuple[float, float], ...]]] = {
    1: ("XZY", ((-125, 35), (-35, 50), (-50, 50))),     # left hip: flexion, abduction, rotation
    2: ("XZY", ((-125, 35), (-50, 35), (-50, 50))),
    3: ("XZY", ((-30, 50), (-30, 30), (-35, 35))),      # spine1: flexion, lateral bend, twist
    4: ("XYZ", ((-5, 150), (-25, 25), (-12, 12))),      # left knee
    5: ("XYZ", ((-5, 150), (-25, 25), (-12, 12))),
    6: ("XZY", ((-30, 50), (-30, 30), (-35, 35))),
    7: ("XYZ", ((-35, 55), (-30, 30), (-35, 35))),      # left ankle: plantar/dorsiflexion
    8: ("XYZ", ((-35, 55), (-30, 30), (-35, 35))),
    9: ("XZY", ((-30, 50), (-30, 30), (-35, 35))),
    10: ("XYZ", ((-40, 30), (-15, 15), (-15, 15))),     # toes
    11: ("XYZ", ((-40, 30), (-15, 15), (-15, 15))),
    12: ("XZY", ((-45, 55), (-40, 40), (-60, 60))),     # neck
    13: ("ZYX", ((-25, 35), (-30, 25), (-25, 25))),     # left collar: elevation, protraction, roll
    14: ("ZYX", ((-35, 25), (-25, 30), (-25, 25))),
    15: ("XZY", ((-45, 45), (-35, 35), (-60, 60))),     # head
    16: ("ZYX", ((-100, 100), (-90, 55), (-100, 100))),  # left shoulder: abduction, horizontal flexion, twist
    17: ("ZYX", ((-100, 100), (-55, 90), (-100, 100))),
    18: ("YZX", ((-155, 10), (-25, 25), (-100, 100))),   # left elbow: flexion, carrying angle, pronation
    19: ("YZX", ((-10, 155), (-25, 25), (-100, 100))),
    20: ("ZYX", ((-80, 80), (-40, 40), (-45, 45))),     # left wrist
    21: ("ZYX", ((-80, 80), (-40, 40), (-45, 45))),
    22: ("XYZ", ((-10, 10), (-10, 10), (-10, 10))),     # SMPL hands: identity in AMASS-derived data
    23: ("XYZ", ((-10, 10), (-10, 10), (-10, 10))),
}
