"""The development helpers shared by the browser tests and the benchmarks (no server here;
``tests/browser`` starts real ones)."""

import socket

import numpy as np
import pytest

from playground.serving import REPO_ROOT, free_port, percentile, server_command


@pytest.mark.parametrize("q", [0.0, 0.25, 0.5, 0.95, 1.0])
def test_percentile_is_numpys_linear_interpolation(q):
    values = list(np.random.default_rng(3).exponential(size=31))
    assert percentile(values, q) == pytest.approx(np.percentile(values, 100 * q), rel=1e-12)
    assert percentile([5.0], q) == 5.0


def test_a_free_port_can_be_bound():
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))


def test_the_server_serves_this_checkouts_app():
    assert (REPO_ROOT / "app.py").is_file()
    command = server_command(5006)
    assert command[1:5] == ["-m", "panel", "serve", "app.py"] and "5006" in command
