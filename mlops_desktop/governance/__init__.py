"""Step 6, Govern: PII inventory, audit trail, explanations, human review, erasure."""
