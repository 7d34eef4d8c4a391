"""What keeps the window live: the workspace model, background tasks, the job bridge and panel."""
