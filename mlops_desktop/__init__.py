"""MLOps Desktop: train, test, deploy and monitor scikit-learn models offline."""

__version__ = "0.1.0"
