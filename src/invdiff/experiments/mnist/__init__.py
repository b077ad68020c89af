"""Class-conditional MNIST: the digits (bundled or IDX), the LeNet whose features FID uses, the CFG ContextUnet.

IGO, panel data and the inverse problems build on the digits (:mod:`.data`) and the FID classifier
(:mod:`.classifier`); the inverse problems also on the ContextUnet (:mod:`.net`), see docs/architecture.md.
"""

# the MLflow experiments this package logs to, with the description their UI page shows (invdiff.tracking)
MLFLOW_EXPERIMENTS = {
    "mnist_cfg": "Class-conditional MNIST DDPM with classifier-free guidance: FID, classifier accuracy and "
                 "diversity per guidance weight w, with the Gaussian reference and the real-data floor.",
    "classifier": "The frozen LeNet whose features score FID (MNIST and IGO) and whose predictions give accuracy.",
}
