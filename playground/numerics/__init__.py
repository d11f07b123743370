"""The numerics: pure JAX and NumPy, one module per concept.

Nothing here imports param, Panel or Bokeh, nor any other part of the package
(a test reads the imports); errors carry what went wrong for the UI to word.
"""
