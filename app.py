"""Serve the playground: ``panel serve app.py``."""

from playground.ui.shell import serve

serve()
