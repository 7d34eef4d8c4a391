"""What keeps the window live: the workspace model, background tasks, the job bridge, the Jobs
panel, and the Page base class every step page derives from."""
