"""One module per resource: plants, plans, what-ifs, history, jobs."""
