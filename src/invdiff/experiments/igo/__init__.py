"""IGO (Mishra et al., Section 4.1): a score U-Net on the cat-map SDE whose intermediate iterate x_τ trains an
intermediate generator E_τ∘s_τ∘D_τ inside the same network; FID of both paths against α (docs/igo.md)."""
