"""The numerics: pure JAX and NumPy, one module per concept.

Nothing here imports param, Panel or Bokeh, nor any other part of the package
(a test reads the imports); errors carry what went wrong for the UI to word.
"""

#: A random seed as every lab, link and command accepts it: a non-negative int32,
#: which ``jax.random.key`` and NumPy's generators both take.
SEED_BOUNDS = (0, 2**31 - 1)
