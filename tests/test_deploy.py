"""The proxy's headers for iframes: ``frame-ancestors`` only when asked for, never a
header that a source list could break out of."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground import deploy


def test_without_frame_ancestors_any_page_may_embed_the_labs():
    conf = deploy.nginx_config([5101], 8080, Path("/run/x"))
    assert "frame-ancestors" not in conf and "X-Frame-Options" not in conf
    assert f'add_header Content-Security-Policy "{deploy.CSP}" always;' in conf


def test_frame_ancestors_are_added_to_the_policy():
    conf = deploy.nginx_config([5101], 8080, Path("/run/x"),
                               frame_ancestors="'self'   https://course.example.org")
    assert (f'"{deploy.CSP}; frame-ancestors \'self\' https://course.example.org" always;'
            in conf)


@pytest.mark.parametrize("sources", ["", "  ", "a; script-src *", 'x" always; #', "$host",
                                     "a\\b", "a\nadd_header X 1"])
def test_sources_that_would_break_the_header_are_refused(sources):
    with pytest.raises(ValueError):
        deploy.content_security_policy(sources)
    with pytest.raises(SystemExit):  # the command says so before starting anything
        deploy.main(["--frame-ancestors", sources])


def test_a_port_in_use_is_refused_before_anything_starts():
    """A cluster left running answers the health check as if it were the new one: the
    command names the port instead."""
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"port {taken} is in use"):
            deploy.start(port=taken, backend_ports=[taken + 1])
        with pytest.raises(RuntimeError, match=f"port {taken} is in use"):
            deploy.check_ports_free([taken])
