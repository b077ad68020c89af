"""Writes the OpenPose-format test inputs from three validation frames of the default pipeline (keypoints of our
own forward model, synthetic stand-in body). Re-run from the repository root after `make run`; the JSON files are
committed, so the tests never need the pipeline's data.

frames/frame_000000_keypoints.json: one person, the camera frame shifted by (+60, -40) px and scaled by 0.8 in a
  1280 x 720 image; confidences 0.6-0.95.
frames/frame_000001_keypoints.json: two people -- the middle val frame scaled by 1.2 and shifted by (-20, -10) px, and
  the last val frame scaled by 0.9 and shifted by (+600, +30) px, its left wrist undetected (0, 0, 0) and its right
  ankle below the default threshold (confidence 0.05).
truth.json: for each person (in reading order), the val index, the scale and shift applied (user = s * camera + t)
  and the keypoints in the training camera's frame.
"""
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
val = np.load("data/processed/pose/val.npz")["keypoints"].astype(np.float64)
rng = np.random.default_rng(0)
people = [  # (val index, scale, shift)
    (0, 0.8, (60.0, -40.0)),
    (len(val) // 2, 1.2, (-20.0, -10.0)),
    (len(val) - 1, 0.9, (600.0, 30.0)),
]


def openpose_person(xy, confidence):
    triples = np.concatenate([xy, confidence[:, None]], 1)
    triples[confidence == 0] = 0.0
    return {"person_id": [-1], "pose_keypoints_2d": [round(float(v), 3) for v in triples.flatten()],
            "face_keypoints_2d": [], "hand_left_keypoints_2d": [], "hand_right_keypoints_2d": []}


truth, files = [], {0: [], 1: []}
for p, (index, scale, shift) in enumerate(people):
    xy = val[index] * scale + np.asarray(shift)
    confidence = rng.uniform(0.6, 0.95, 25)
    if p == 2:
        confidence[7] = 0.0   # left wrist: not detected
        confidence[11] = 0.05  # right ankle: too uncertain
    files[0 if p == 0 else 1].append(openpose_person(xy, confidence))
    truth.append({"val_index": int(index), "scale": scale, "shift": list(shift),
                  "camera_keypoints": np.round(val[index], 3).tolist()})
for frame, persons in files.items():
    (HERE / "frames" / f"frame_{frame:06d}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": persons}))
(HERE / "truth.json").write_text(json.dumps(truth) + "\n")
