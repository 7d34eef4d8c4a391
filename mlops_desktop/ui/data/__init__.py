"""The Data page: dataset versions, their checks and profiles, and the import wizard."""
