"""One package per experiment: its params section, data, task, evaluation, baselines and figures.

Shared machinery (``invdiff.diffusion``, ``invdiff.sde``, ``invdiff.nets``, ``invdiff.metrics``, ...) never
imports from here; see docs/architecture.md.
"""
