"""The Monitor page: live drift, quality and traffic charts, alerts and their settings."""
