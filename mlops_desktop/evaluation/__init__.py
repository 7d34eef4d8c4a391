"""Step 3, Test: holdout metrics with intervals, slices, behavioural and contract tests, gates."""
