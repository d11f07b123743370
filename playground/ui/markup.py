"""Text that users or links supply, shown as exactly those characters.

A link, an uploaded file, a typed formula or weight is untrusted: put into an HTML
or Markdown pane unescaped, ``<script>`` ran in the visitor's page and ``[a](url)``
became a real link.  Every pane that can show such text builds its HTML here:
:func:`text_html` escapes it, and :func:`notice` / :func:`set_notice` give the labs
one plain-text message box (an HTML pane, never Markdown, so no Markdown link,
image or autolink can come out of a value).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import panel as pn

#: Colours of a notice by kind (Bootstrap's alert palette, which Panel's Alert used).
NOTICE_STYLES = {
    "warning": {"color": "#664d03", "background": "#fff3cd", "border": "1px solid #ffecb5"},
    "danger": {"color": "#842029", "background": "#f8d7da", "border": "1px solid #f5c2c7"},
    "info": {"color": "#055160", "background": "#cff4fc", "border": "1px solid #b6effb"},
}


def text_html(text: object) -> str:
    """``text`` as HTML that displays exactly its characters: ``<``, ``>``, ``&`` and
    quotes become entities, line breaks ``<br>``.  No element, attribute or link can
    come out of it."""
    return html.escape(str(text), quote=True).replace("\n", "<br>")


def tagged(css_class: str, text: object) -> str:
    """One ``<span>`` with ``css_class`` holding ``text`` as plain text."""
    return f"<span class='{html.escape(css_class, quote=True)}'>{text_html(text)}</span>"


def tagged_template(css_class: str, template: str, **fields: object) -> str:
    """One ``<span>`` with ``css_class`` holding ``template`` filled with ``fields``.

    ``template`` is a text of the language tables (ours, trusted) and may hold the
    inline markup the tables use (``<b>``); every field is escaped with
    :func:`text_html`, so a name from a file or a link shows as its characters.
    E.g. ``tagged_template("c", "from <b>{a}</b>", a="<i>")`` is
    ``"<span class='c'>from <b>&lt;i&gt;</b></span>"``.
    """
    body = template.format(**{k: text_html(v) for k, v in fields.items()})
    return f"<span class='{html.escape(css_class, quote=True)}'>{body}</span>"


def notice(kind: str = "warning", css_classes: Iterable[str] = (), **kwargs) -> pn.pane.HTML:
    """An empty, hidden message box for plain-text lines (see :func:`set_notice`)."""
    styles = {**NOTICE_STYLES[kind], "border-radius": "6px", "padding": "8px 12px",
              # (lecture mode's text size where larger: ``present.text_size``)
              "font-size": "max(14px, var(--pg-text-size, 0px))", "line-height": "1.45"}
    kwargs.setdefault("sizing_mode", "stretch_width")
    return pn.pane.HTML("", visible=False, styles=styles,
                        css_classes=["pg-notice", f"pg-notice-{kind}", *css_classes], **kwargs)


def set_notice(pane: pn.pane.HTML, lines: Iterable[str]) -> None:
    """Show the non-empty ``lines`` (plain text) in ``pane``, one per line, or hide it.

    The pane's text changes only when it differs: each change re-renders in the
    browser."""
    lines = [line for line in lines if line]
    text = "<br>".join(text_html(line) for line in lines)
    if pane.object != text:
        pane.object = text
    pane.visible = bool(lines)
