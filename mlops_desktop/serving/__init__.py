"""Step 4, Deploy: the local scoring service, aliases, rollback, canary, shadow, batch scoring."""
