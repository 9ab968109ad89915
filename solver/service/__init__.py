"""`replan serve`: the HTTP API over the plan store and the engine (FastAPI).

``app.create_app`` builds the application; ``jobs`` runs solves in child processes, at most
``max_solves`` at once; ``routes/`` holds one module per resource; ``work`` is what a child
process does; ``security`` the bearer token; ``settings`` the server's own settings.
"""
