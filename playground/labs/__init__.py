"""One package per lab: its state (param), its views (Panel, Bokeh).

A lab imports the numerics and the shared UI layer, never another lab.
"""
