"""Serve the playground: ``panel serve app.py``."""

from playground.app import create_app

create_app().servable(title="Neural network playground")
