"""Step 2, Train: sklearn pipelines with their preprocessing, reproducible runs, retraining."""
