"""The Deploy page: versions, the service, canary and shadow figures, the timeline."""
