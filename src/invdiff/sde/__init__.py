"""IGO's forward process: Arnold's cat map, the cat-map SDE (Euler–Maruyama chain and exact moments), and the
probability-flow ODE / reverse-SDE samplers."""
from invdiff.sde.cat_map import CatMapOperators, apply_cat_map, cat_map_destinations, permutation_period
from invdiff.sde.cat_map_sde import CatMapSDE, Iterates, euler_maruyama

__all__ = ["CatMapOperators", "CatMapSDE", "Iterates", "apply_cat_map", "cat_map_destinations", "euler_maruyama",
           "permutation_period"]
