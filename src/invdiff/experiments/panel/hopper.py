"""Hopper trajectories simulated with the MuJoCo physics engine: the 14-d state (7 joint positions + 7 velocities)
of the DeepMind Control Suite's planar hopper, unactuated, observed every ``substeps`` physics steps.

Initial state (the latent-ODE Hopper recipe of Rubanova et al. 2019, with the IGO paper's ranges): root x and z
offsets ~ U[0, 0.5] m (so the torso starts above the floor, 1-1.5 m up), every other position (the torso angle and
the four hinge angles, radians) and every velocity ~ U[−r, r] with r = ``init_range`` (2 in the paper). Joint limits
and ground contact are MuJoCo's, so an initial angle beyond a limit is pushed back by the constraint solver, as in
the original data.
"""
from __future__ import annotations

from pathlib import Path

import mujoco
import numpy as np

MODEL_XML = Path(__file__).with_name("hopper.xml")
STATE_DIM = 14
ROOT_SLIDES = 2  # rootx, rootz


def load_model() -> mujoco.MjModel:
    return mujoco.MjModel.from_xml_path(str(MODEL_XML))


def initial_states(n: int, init_range: float, rng: np.random.Generator) -> np.ndarray:
    """[n, 14] (qpos, qvel) drawn as the module docstring says."""
    qpos = np.concatenate([rng.uniform(0.0, 0.5, size=(n, ROOT_SLIDES)),
                           rng.uniform(-init_range, init_range, size=(n, 7 - ROOT_SLIDES))], 1)
    qvel = rng.uniform(-init_range, init_range, size=(n, 7))
    return np.concatenate([qpos, qvel], 1)


def simulate(model: mujoco.MjModel, initial: np.ndarray, observations: int, substeps: int) -> np.ndarray:
    """States [n, observations, 14]: each initial state [n, 14], then after every ``substeps`` physics steps."""
    data = mujoco.MjData(model)
    out = np.empty((len(initial), observations, STATE_DIM))
    for i, state in enumerate(initial):
        mujoco.mj_resetData(model, data)
        data.qpos[:], data.qvel[:] = state[:model.nq], state[model.nq:]
        mujoco.mj_forward(model, data)
        for t in range(observations):
            if t:
                mujoco.mj_step(model, data, nstep=substeps)
            out[i, t, :model.nq], out[i, t, model.nq:] = data.qpos, data.qvel
    return out


def mechanical_energy(model: mujoco.MjModel, states: np.ndarray) -> np.ndarray:
    """Potential + kinetic energy (J) of states [..., 14], by MuJoCo's own energy computation."""
    model.opt.enableflags |= mujoco.mjtEnableBit.mjENBL_ENERGY
    data = mujoco.MjData(model)
    flat = states.reshape(-1, STATE_DIM)
    energy = np.empty(len(flat))
    for i, state in enumerate(flat):
        data.qpos[:], data.qvel[:] = state[:model.nq], state[model.nq:]
        mujoco.mj_forward(model, data)
        energy[i] = data.energy.sum()
    return energy.reshape(states.shape[:-1])
