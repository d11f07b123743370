"""Untrusted text shown as characters (``playground.ui.markup``)."""

import pytest

from playground.ui.markup import notice, set_notice, tagged, tagged_template, text_html

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


def test_tagged_template_keeps_the_tables_markup_and_escapes_the_fields():
    out = tagged_template("pg-x", "from <b>{a}</b> to <b>{b}</b>", a="x₁", b="<i>n</i>")
    assert out == "<span class='pg-x'>from <b>x₁</b> to <b>&lt;i&gt;n&lt;/i&gt;</b></span>"
    for text in HOSTILE:
        body = tagged_template("c", "<b>{a}</b>", a=text)
        assert body.count("<") == 4  # <span>, <b>, </b>, </span>: none from the field
        import html

        assert html.unescape(body[len("<span class='c'><b>"):-len("</b></span>")]) == text


def test_a_notice_shows_plain_lines_and_hides_when_empty():
    pane = notice("warning")
    assert not pane.visible
    set_notice(pane, ["Ignored: lab='<script>'", "", "[a](https://example.invalid)"])
    assert pane.visible
    assert pane.object == ("Ignored: lab=&#x27;&lt;script&gt;&#x27;<br>"
                           "[a](https://example.invalid)")
    set_notice(pane, ["", ""])
    assert not pane.visible and pane.object == ""
