"""The Train page: runs, their details and comparison, registering and retraining."""
