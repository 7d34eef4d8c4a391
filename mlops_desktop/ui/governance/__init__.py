"""The Govern page."""
