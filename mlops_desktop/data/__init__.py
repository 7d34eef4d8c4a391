"""Step 1, Data: import, typed schema, column roles, splits, checks, immutable versions."""
