"""Step 5, Monitor: drift, realized performance, operational signals, alerts."""
