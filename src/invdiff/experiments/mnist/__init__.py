"""Class-conditional MNIST: the digits (bundled or IDX), the LeNet whose features FID uses, the CFG ContextUnet.

IGO borrows the digits (:mod:`.data`) and the FID classifier (:mod:`.classifier`); nothing else here is shared.
"""
