"""Signal-to-noise profile of the pose diffusion space, raw 6D vs standardised (issue: nothing was normalised).

    python benchmarks/pose_snr.py

Needs the processed pose data (``dvc repro preprocess_pose``). For the params' schedule it prints, for the raw
and the standardised 6D poses, the share of (timestep, dimension) pairs whose SNR ᾱ_t v_d / (1 − ᾱ_t) exceeds 1,
the last timestep at which the median dimension still has SNR > 1, and how many of the DDIM steps of
``pose.eval.sampler`` land before it.
"""
from __future__ import annotations

import torch

from invdiff.config import load_params
from invdiff.diffusion import ddim_timesteps, make_schedule
from invdiff.diffusion.standardize import Standardizer, signal_to_noise
from invdiff.experiments.pose.data import dataset as pose_dataset


def main() -> None:
    params = load_params()
    schedule = make_schedule(params.pose.diffusion)
    x6d = torch.from_numpy(pose_dataset.load_split("train").x6d).double()
    scaler = Standardizer.fit(x6d, params.pose.standardize.x_std_floor)
    varying = ~scaler.constant
    ddim = ddim_timesteps(schedule.num_timesteps, params.pose.eval.sampler.steps)
    print(f"T = {schedule.num_timesteps} ({params.pose.diffusion.schedule}), {int(varying.sum())} varying of "
          f"{x6d.shape[1]} dims, DDIM {len(ddim)} steps")
    print(f"{'space':14}{'median std':>12}{'SNR>1 share':>13}{'median SNR>1 until t':>22}{'DDIM steps there':>18}")
    for name, data in (("raw 6D", x6d), ("standardised", scaler.encode(x6d))):
        variances = data[:, varying].var(0)
        snr = signal_to_noise(schedule.alpha_bars, variances)
        informative = snr.median(dim=1).values > 1
        until = int(informative.nonzero().max()) if informative.any() else -1
        print(f"{name:14}{float(variances.sqrt().median()):>12.3f}{float((snr > 1).double().mean()):>13.1%}"
              f"{until:>22}{sum(t <= until for t in ddim):>18}")


if __name__ == "__main__":
    main()
