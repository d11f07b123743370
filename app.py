"""Serve the playground: ``panel serve app.py``."""

from playground.app import serve

serve()
