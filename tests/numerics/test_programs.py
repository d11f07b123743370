"""A holder's own compiled programs (``numerics.programs``): the same results as the
jitted function, one compilation per static values and shapes, kept through a release of
JAX's caches, the latest few only."""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from playground.numerics.programs import Programs
from playground.ui import memory


@partial(jax.jit, static_argnames=("power", "scale"))
def _powered(x, power: int, y=None, scale: float = 1.0):
    out = scale * x ** power
    return out if y is None else out + y


def test_a_call_is_the_jitted_functions_result_and_compiles_once_per_shape_and_static():
    programs = Programs()
    x = jnp.arange(4.0)
    np.testing.assert_array_equal(programs.call(_powered, ("power", "scale"), x, 3),
                                  np.arange(4.0) ** 3)
    programs.call(_powered, ("power", "scale"), x + 1, 3)  # new values: the same program
    assert programs.compilations == 1
    np.testing.assert_array_equal(programs.call(_powered, ("power", "scale"), x, 2, y=x),
                                  np.arange(4.0) ** 2 + np.arange(4.0))
    np.testing.assert_array_equal(programs.call(_powered, ("power", "scale"), x, 2,
                                                scale=0.5), 0.5 * np.arange(4.0) ** 2)
    programs.call(_powered, ("power", "scale"), jnp.arange(5.0), 3)  # another shape
    assert programs.compilations == 4  # (y given; scale 0.5; shape 5)
    programs.call(_powered, ("power", "scale"), x, 3)
    assert programs.compilations == 4


def test_the_held_programs_survive_a_release_of_jaxs_caches():
    programs = Programs()
    x = jnp.arange(3.0)
    programs.call(_powered, ("power", "scale"), x, 4)
    memory.release_compiled_programs()  # what the server's memory bound does
    assert _powered._cache_size() == 0
    np.testing.assert_array_equal(programs.call(_powered, ("power", "scale"), x, 4),
                                  np.arange(3.0) ** 4)
    assert programs.compilations == 1 and _powered._cache_size() == 0


def test_only_the_most_recently_used_programs_are_kept():
    programs = Programs(capacity=2)
    x = jnp.ones(2)
    for power in (1, 2, 1, 3):  # 1 is used again before 3 comes: 2 goes
        programs.call(_powered, ("power", "scale"), x, power)
    assert len(programs) == 2 and programs.compilations == 3
    programs.call(_powered, ("power", "scale"), x, 1)
    assert programs.compilations == 3
    programs.call(_powered, ("power", "scale"), x, 2)
    assert programs.compilations == 4


def test_a_bad_call_raises_as_the_function_would():
    with pytest.raises(TypeError):
        Programs().call(_powered, ("power", "scale"), jnp.ones(2), 2, colour="red")


def test_clear_drops_every_held_program():
    programs = Programs()
    programs.call(_powered, ("power", "scale"), jnp.ones(2), 2)
    programs.clear()
    assert len(programs) == 0
    programs.call(_powered, ("power", "scale"), jnp.ones(2), 2)
    assert programs.compilations == 2
