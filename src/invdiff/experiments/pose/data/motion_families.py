"""Procedural human motion: ten families of anatomical joint-angle trajectories for the synthetic AMASS.

Each family maps times ``t`` (seconds) and a random generator to a :class:`Motion`: per-joint angles in
anatomical terms (flexion, abduction, ...) plus the body's heading, lean and forward speed. Speed,
amplitude, phase, handedness and posture are drawn per sequence; :mod:`.synthetic_amass` adds
small smooth noise, clips to the anatomical limits and writes AMASS files.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from invdiff.experiments.pose.data.skeleton import NUM_SMPL_JOINTS

SIDES = {"L": 0, "R": 1}
_JOINT = {  # (left, right) SMPL joint ids
    "hip": (1, 2), "knee": (4, 5), "ankle": (7, 8), "toes": (10, 11), "collar": (13, 14),
    "shoulder": (16, 17), "elbow": (18, 19), "wrist": (20, 21),
}
SPINE, NECK, HEAD = (3, 6, 9), 12, 15


def smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def cycle(phase: np.ndarray) -> np.ndarray:
    """0 -> 1 -> 0 over one period, smooth: (1 − cos φ) / 2."""
    return (1 - np.cos(phase)) / 2


@dataclass
class Motion:
    """Joint angles in degrees about the parent's X (left), Y (up), Z (forward) axes, for the *left* side
    convention; right-side joints are stored already mirrored (Y and Z negated)."""

    frames: int
    axes: dict[int, np.ndarray] = field(default_factory=dict)
    yaw: np.ndarray | None = None     # heading change over time, degrees about world up
    pitch: np.ndarray | None = None   # whole-body forward lean, degrees
    speed: float = 0.0                # forward speed, m/s (only for the written trans)

    def __post_init__(self):
        for j in range(1, NUM_SMPL_JOINTS):
            self.axes[j] = np.zeros((self.frames, 3))
        self.yaw = np.zeros(self.frames)
        self.pitch = np.zeros(self.frames)

    def add(self, joint: int, side: str = "L", x=0.0, y=0.0, z=0.0) -> None:
        mirror = -1.0 if side == "R" else 1.0
        shape = (self.frames,)
        self.axes[joint][:, 0] += np.broadcast_to(x, shape)
        self.axes[joint][:, 1] += mirror * np.broadcast_to(y, shape)
        self.axes[joint][:, 2] += mirror * np.broadcast_to(z, shape)

    # anatomical helpers (degrees); positive flexion = the natural bending direction
    def hip(self, side, flex=0.0, abd=0.0, rot=0.0):
        self.add(_JOINT["hip"][SIDES[side]], side, x=-np.asarray(flex), y=rot, z=abd)

    def knee(self, side, flex=0.0):
        self.add(_JOINT["knee"][SIDES[side]], side, x=flex)

    def ankle(self, side, dorsi=0.0, inversion=0.0):
        self.add(_JOINT["ankle"][SIDES[side]], side, x=-np.asarray(dorsi), z=inversion)

    def spine(self, flex=0.0, lateral=0.0, twist=0.0):
        for joint in SPINE:
            self.add(joint, x=np.asarray(flex) / 3, y=np.asarray(twist) / 3, z=np.asarray(lateral) / 3)

    def neck(self, flex=0.0, turn=0.0, tilt=0.0):
        self.add(NECK, x=np.asarray(flex) / 2, y=np.asarray(turn) / 2, z=np.asarray(tilt) / 2)
        self.add(HEAD, x=np.asarray(flex) / 2, y=np.asarray(turn) / 2, z=np.asarray(tilt) / 2)

    def arm(self, side, elev=10.0, fwd=0.0, twist=0.0, elbow=10.0, wrist=0.0):
        """elev: arm angle from hanging down in the frontal plane; fwd: swing forward (horizontal flexion)."""
        self.add(_JOINT["shoulder"][SIDES[side]], side, z=np.asarray(elev) - 90.0, y=-np.asarray(fwd), x=twist)
        self.add(_JOINT["elbow"][SIDES[side]], side, y=-np.asarray(elbow))
        self.add(_JOINT["wrist"][SIDES[side]], side, z=-np.asarray(wrist))


def _other(side: str) -> str:
    return "R" if side == "L" else "L"


def _gait(m: Motion, t, rng, freq, hip_amp, knee_amp, hip_bias, arm_amp, elbow_base, phase):
    phi = 2 * np.pi * freq * t + phase
    for side, shift in (("L", 0.0), ("R", np.pi)):
        p = phi + shift
        m.hip(side, flex=hip_amp * np.sin(p) + hip_bias, abd=rng.uniform(0, 4))
        m.knee(side, flex=5 + knee_amp * cycle(p + 1.3) ** 2)
        m.ankle(side, dorsi=10 * np.sin(p - 0.6))
        m.arm(side, elev=rng.uniform(8, 18), fwd=arm_amp * np.sin(p + np.pi),
              elbow=elbow_base + 10 * cycle(p + np.pi))
    m.spine(twist=4 * np.sin(phi))


def walking(t, rng, speed, amp, phase):
    m = Motion(len(t))
    _gait(m, t, rng, 0.9 * speed, 25 * amp, 55 * amp, 5, rng.uniform(10, 30), rng.uniform(10, 30), phase)
    m.pitch += rng.uniform(0, 6)
    m.speed = 1.3 * speed
    return m


def running(t, rng, speed, amp, phase):
    m = Motion(len(t))
    _gait(m, t, rng, 1.4 * speed, 40 * amp, 85 * amp, 15, rng.uniform(25, 40), rng.uniform(70, 100), phase)
    m.spine(flex=rng.uniform(5, 15))
    m.pitch += rng.uniform(5, 12)
    m.speed = 3.0 * speed
    return m


def jumping(t, rng, speed, amp, phase):
    m = Motion(len(t))
    phi = 2 * np.pi * 0.6 * speed * t + phase
    crouch, extend = ((1 + np.cos(phi)) / 2) ** 2, ((1 - np.cos(phi)) / 2) ** 2
    for side in "LR":
        m.hip(side, flex=70 * amp * crouch, abd=rng.uniform(0, 8))
        m.knee(side, flex=100 * amp * crouch)
        m.ankle(side, dorsi=30 * amp * crouch - 30 * extend)
        m.arm(side, elev=20 + 140 * extend, fwd=60 * extend - 30 * crouch, elbow=15 + 20 * crouch)
    m.spine(flex=20 * crouch)
    return m


def squatting(t, rng, speed, amp, phase):
    m = Motion(len(t))
    depth = rng.uniform(0.5, 1.0) * min(amp, 1.0)
    c = cycle(2 * np.pi * 0.3 * speed * t + phase)
    arms_forward = rng.random() < 0.6
    for side in "LR":
        m.hip(side, flex=105 * depth * c, abd=rng.uniform(5, 20) * c)
        m.knee(side, flex=125 * depth * c)
        m.ankle(side, dorsi=30 * depth * c)
        if arms_forward:
            m.arm(side, elev=10, fwd=10 + 75 * depth * c, elbow=10)
        else:
            m.arm(side, elev=15, fwd=10, elbow=20 + 100 * c)
    m.spine(flex=25 * depth * c)
    m.pitch += 10 * depth * c
    return m


def sitting_down(t, rng, speed, amp, phase):
    m = Motion(len(t))
    start, length = rng.uniform(0.5, 1.5), rng.uniform(1.2, 2.5) / speed
    s = smoothstep((t - start) / length)
    if rng.random() < 0.4:  # standing up instead
        s = 1 - s
    transition = np.sin(np.pi * s)
    for side in "LR":
        m.hip(side, flex=90 * s + rng.uniform(-5, 5), abd=rng.uniform(0, 10) * s)
        m.knee(side, flex=90 * s + rng.uniform(-5, 10))
        m.ankle(side, dorsi=10 * s)
        m.arm(side, elev=12, fwd=30 * transition + 40 * s, elbow=15 + 45 * s)
    m.spine(flex=30 * transition + 5 * s)
    return m


def reaching(t, rng, speed, amp, phase):
    m = Motion(len(t))
    lead = rng.choice(["L", "R"])
    c = cycle(2 * np.pi * rng.uniform(0.25, 0.5) * speed * t + phase)
    elev, fwd = rng.uniform(40, 170), rng.uniform(20, 85)
    m.arm(lead, elev=10 + (elev - 10) * c, fwd=fwd * c, elbow=95 * (1 - c) + 5, twist=rng.uniform(-30, 30) * c)
    m.arm(_other(lead), elev=10, fwd=5 * np.sin(2 * np.pi * 0.3 * t), elbow=15)
    side_sign = 1 if lead == "L" else -1
    m.spine(flex=rng.uniform(0, 30) * c, twist=side_sign * 20 * c, lateral=-side_sign * 8 * c)
    for side in "LR":
        m.knee(side, flex=10 * c)
    return m


def waving(t, rng, speed, amp, phase):
    m = Motion(len(t))
    lead = rng.choice(["L", "R"])
    wave = np.sin(2 * np.pi * rng.uniform(1.5, 2.5) * speed * t + phase)
    raise_ = smoothstep(t / rng.uniform(0.5, 1.0))
    m.arm(lead, elev=10 + (rng.uniform(120, 170) - 10) * raise_, fwd=rng.uniform(0, 40) * raise_,
          elbow=15 + (rng.uniform(30, 70) + 25 * amp * wave) * raise_, twist=15 * wave * raise_)
    m.arm(_other(lead), elev=10, elbow=15)
    side_sign = 1 if lead == "L" else -1
    m.spine(lateral=-side_sign * 5 * raise_)
    m.neck(turn=side_sign * rng.uniform(0, 30))
    return m


def kicking(t, rng, speed, amp, phase):
    m = Motion(len(t))
    lead = rng.choice(["L", "R"])
    u = (rng.uniform(0.4, 0.7) * speed * t + phase / (2 * np.pi)) % 1.0
    kick = np.exp(-((u - 0.5) / 0.12) ** 2)
    chamber = np.exp(-((u - 0.42) / 0.1) ** 2)
    m.hip(lead, flex=rng.uniform(50, 95) * amp * kick, abd=rng.uniform(0, 25) * kick)
    m.knee(lead, flex=10 + 80 * chamber * (1 - kick))
    m.ankle(lead, dorsi=-20 * kick)
    m.hip(_other(lead), flex=10)
    m.knee(_other(lead), flex=15)
    for side in "LR":
        m.arm(side, elev=rng.uniform(30, 60), fwd=(-20 if side == lead else 20) * kick, elbow=rng.uniform(20, 60))
    m.spine(flex=-10 * kick)
    m.pitch -= 5 * kick
    return m


def bending(t, rng, speed, amp, phase):
    m = Motion(len(t))
    depth = rng.uniform(0.6, 1.0)
    c = cycle(2 * np.pi * rng.uniform(0.15, 0.35) * speed * t + phase)
    m.spine(flex=105 * depth * c, twist=rng.uniform(-15, 15) * c)
    knees = rng.uniform(0, 25)
    for side in "LR":
        m.hip(side, flex=55 * depth * c)
        m.knee(side, flex=knees * depth * c)
        m.arm(side, elev=10, fwd=min(85.0, 80 * depth) * c, elbow=10)
    m.neck(flex=-20 * c)
    return m


def turning(t, rng, speed, amp, phase):
    m = Motion(len(t))
    phi = 2 * np.pi * 1.0 * speed * t + phase
    for side, shift in (("L", 0.0), ("R", np.pi)):
        p = phi + shift
        m.hip(side, flex=10 + 15 * amp * np.sin(p))
        m.knee(side, flex=5 + 30 * amp * cycle(p + 1.0) ** 2)
        m.arm(side, elev=12, fwd=10 * np.sin(p + np.pi), elbow=20)
    turn = rng.choice([-1, 1]) * rng.uniform(90, 270)
    progress = smoothstep(t / t[-1] if t[-1] > 0 else t)
    m.yaw += turn * progress
    m.neck(turn=np.sign(turn) * 25 * np.sin(np.pi * progress))
    return m


FAMILIES = {
    "walking": walking, "running": running, "jumping": jumping, "squatting": squatting,
    "sitting_down": sitting_down, "reaching": reaching, "waving": waving, "kicking": kicking,
    "bending": bending, "turning": turning,
}
