"""Untrusted text shown as characters (``playground.ui.markup``)."""

import pytest

from playground.ui.markup import notice, set_notice, tagged, text_html

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
           "<svg onload=alert(1)>", "\"'><b>x</b>", "&lt;b&gt; &amp;"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_html_leaves_no_markup(text):
    out = text_html(text)
    assert "<" not in out and ">" not in out and '"' not in out and "'" not in out
    import html

    assert html.unescape(out) == text  # the same characters, shown


def test_tagged_escapes_text_and_class():
    assert tagged("pg-x", "<b>") == "<span class='pg-x'>&lt;b&gt;</span>"
    assert tagged("a' onload='x", "t") == "<span class='a&#x27; onload=&#x27;x'>t</span>"


def test_a_notice_shows_plain_lines_and_hides_when_empty():
    pane = notice("warning")
    assert not pane.visible
    set_notice(pane, ["Ignored: lab='<script>'", "", "[a](https://example.invalid)"])
    assert pane.visible
    assert pane.object == ("Ignored: lab=&#x27;&lt;script&gt;&#x27;<br>"
                           "[a](https://example.invalid)")
    set_notice(pane, ["", ""])
    assert not pane.visible and pane.object == ""
