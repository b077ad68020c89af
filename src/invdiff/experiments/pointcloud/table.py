"""The learned denoisers beside the classical ones: Table 1's rows per (cloud size, noise level).

Learned methods carry their fine-tuning seed in the method key, ``"igo_tau#1"``. A seeded row is the mean over seeds
of each mesh's score, summarised over meshes (mean +- sd), with the spread over seeds of the mesh-mean beside it
(``cd_seed_sd``, ``p2m_seed_sd``). Differences are paired: between two learned methods over the seeds they share
(each seed's mean over meshes of the per-mesh difference), between a learned and a classical method over meshes.
"""
from __future__ import annotations

import numpy as np

from invdiff.experiments.pointcloud.evaluate import over_shapes
from invdiff.seeds import summarize

PAIRS = (("igo_tau", "score"), ("igo_t", "score"), ("igo_tau", "igo_t"), ("score", "pretrained"),
         ("score", "jet"), ("score", "bilateral"), ("igo_tau", "jet"), ("igo_tau", "bilateral"), ("score", "noisy"))


def split_key(key: str) -> tuple[str, int | None]:
    method, _, seed = key.partition("#")
    return method, int(seed) if seed else None


def _by_method(raw: dict[str, list]) -> dict[str, dict]:
    grouped: dict[str, dict] = {}
    for key, scores in raw.items():
        method, seed = split_key(key)
        grouped.setdefault(method, {})[seed] = np.asarray(scores, dtype=np.float64)  # [meshes, (cd, p2m)]
    return grouped


def _seed_mean(by_seed: dict) -> np.ndarray:
    return np.mean([v for v in by_seed.values()], axis=0)


def rows(raw: dict[str, list]) -> dict[str, dict]:
    """{method: {cd, cd_sd, p2m, p2m_sd (over meshes)[, cd_seed_sd, p2m_seed_sd, seeds: {s: {cd, p2m}}]}}."""
    out = {}
    for method, by_seed in _by_method(raw).items():
        row = over_shapes([tuple(r) for r in _seed_mean(by_seed)])
        if None not in by_seed:
            per_seed = {s: {"cd": float(v[:, 0].mean()), "p2m": float(v[:, 1].mean())} for s, v in by_seed.items()}
            spread = summarize(list(per_seed.values()))
            row.update(cd_seed_sd=spread["cd_sd"], p2m_seed_sd=spread["p2m_sd"],
                       seeds={f"seed{s}": {k: round(x, 6) for k, x in r.items()} for s, r in per_seed.items()})
        out[method] = row
    return out


def differences(raw: dict[str, list]) -> dict[str, dict]:
    """Paired differences a - b (negative: a is better): over the seeds they share when both are seeded, else over
    meshes (seed-mean scores), with the share of meshes where a is better."""
    grouped = _by_method(raw)
    out = {}
    for a, b in PAIRS:
        if a not in grouped or b not in grouped:
            continue
        shared = sorted(set(grouped[a]) & set(grouped[b]) - {None})
        if shared:
            per_seed = [{"cd": float((grouped[a][s] - grouped[b][s])[:, 0].mean()),
                         "p2m": float((grouped[a][s] - grouped[b][s])[:, 1].mean())} for s in shared]
            out[f"{a} - {b}"] = {**summarize(per_seed), "paired_over": f"{len(shared)} fine-tuning seeds"}
        else:
            diff = _seed_mean(grouped[a]) - _seed_mean(grouped[b])
            out[f"{a} - {b}"] = {**over_shapes([tuple(r) for r in diff]), "paired_over": f"{len(diff)} meshes",
                                 "better_on_cd": f"{int((diff[:, 0] < 0).sum())}/{len(diff)}",
                                 "better_on_p2m": f"{int((diff[:, 1] < 0).sum())}/{len(diff)}"}
    return out
