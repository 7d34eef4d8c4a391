"""The demo workspace: a real dataset, runs, a tested model, a live deployment, traffic, alerts."""
