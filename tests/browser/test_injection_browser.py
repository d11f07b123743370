"""Hostile text from links, uploaded files and typed formulas, in a real browser.

A course sends a whole class through links it did not write.  Every place that
shows text a link or a user supplied must show it as characters: no script runs,
no element, link or image is created, nothing is fetched.  Every link key of every lab
(and an unknown key, and the name of a lab, which opens the default one) carries a
payload at once, all the payloads in each page, each key a different one in each of
the lab's pages; the payloads also go into an uploaded CSV file (its name and fields)
and into the formula box.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest

from playground.labs.biasvariance.state import BiasVarianceLabState
from playground.labs.mlp.state import MlpLabState
from playground.labs.optimizers.state import OptimizerLabState

from .helpers import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

#: The marker host: nothing may ever ask for it.
EVIL = "example.invalid"

#: ``{key}`` is replaced by the link key, so that a run payload says where it ran.
PAYLOADS = {
    "script": "<script>window.__pw_{key}=1</script>",
    "img-onerror": "<img src=x onerror=window.__pw_{key}=1>",
    "svg-onload": "<svg onload=window.__pw_{key}=1>",
    "markdown-link": f"x [sign in](https://{EVIL}/{{key}})",
    "markdown-image": f"![p](https://{EVIL}/{{key}}.png)",
    "autolink": f"see https://{EVIL}/{{key}} <https://{EVIL}/a>",
    "entities": "&lt;b class=pwb&gt;{key}&lt;/b&gt; &amp;",
    "latex": f"$\\href{{https://{EVIL}}}{{x}}$ $$x$$",
}

#: JS: what an injection would have left in the page (piercing shadow roots).
_FOUND = """() => {
  const found = Object.keys(window).filter((k) => k.startsWith('__pw_'));
  const roots = [document];
  const bad = [];
  while (roots.length) {
    const root = roots.pop();
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) roots.push(el.shadowRoot);
      const tag = el.tagName.toLowerCase();
      for (const attr of el.getAttributeNames()) {
        const value = el.getAttribute(attr) || '';
        if (attr.startsWith('on')) bad.push(`${tag}[${attr}]`);
        if (value.includes('example.invalid')) bad.push(`${tag}[${attr}=${value}]`);
      }
      if (tag === 'img' && el.getAttribute('src') === 'x') bad.push('img[src=x]');
      if (el.classList.contains('pwb')) bad.push('b.pwb');
    }
  }
  return found.concat(bad);
}"""


#: Pages per lab: in page ``k`` the i-th key (sorted; the unknown key last) carries
#: payload ``(i + k * 3) % 8``, so each page holds all eight and each key three of them.
_ROTATIONS = 3


def _link(lab: str, keys, rotation: int) -> tuple[str, dict[str, str]]:
    """A link whose every key carries a payload, and each key's payload (a template)."""
    names = list(PAYLOADS)
    keys = [*sorted(keys), "nokey"] + (["lab"] if lab == "optimizers" else [])
    given = {key: PAYLOADS[names[(i + rotation * 3) % len(names)]]
             for i, key in enumerate(keys)}
    # The optimizer lab is the default: a payload as the lab's name opens it.
    query = {"lab": lab} | {key: t.replace("{key}", key) for key, t in given.items()}
    return "?" + urlencode(query), given


def _watch_requests(page) -> list[str]:
    asked = []
    def on_request(request):
        url = urlsplit(request.url)
        if url.hostname == EVIL or url.path.endswith("/x"):
            asked.append(request.url)

    page.on("request", on_request)
    page.on("dialog", lambda d: (asked.append(f"dialog: {d.message}"), d.dismiss()))
    return asked


def _wait_for_notice(page, text: str):
    notice = page.get_by_text(text)  # the element inside the pane's shadow root
    notice.wait_for(state="visible", timeout=60_000)
    return notice.inner_text()


def _assert_nothing_injected(page, asked, where: str):
    page.wait_for_timeout(300)  # an image's error or a late script would have fired
    found = page.evaluate(_FOUND)
    assert found == [], f"{where}: injected {found}"
    assert asked == [], f"{where}: the page asked for {asked}"


@pytest.mark.parametrize("lab, state_class", [("optimizers", OptimizerLabState),
                                              ("mlp", MlpLabState),
                                              ("biasvariance", BiasVarianceLabState)])
def test_link_values_are_shown_as_text_under_every_key(page, server_url, lab, state_class):
    asked = _watch_requests(page)
    for rotation in range(_ROTATIONS):
        link, given = _link(lab, state_class.LINK_KEYS, rotation)
        assert set(given.values()) == set(PAYLOADS.values())  # all of them in each page
        page.goto(server_url + link, wait_until="commit")
        text = _wait_for_notice(page, "Ignored from the link")
        # Each value is quoted as the characters it is, as Python quotes it (a
        # backslash doubled), cut to 40 in the notice.
        for key in ("nokey", "lab") if lab == "optimizers" else ("nokey",):
            value = given[key].replace("{key}", key)
            assert repr(value)[1:31] in text, (key, value, text)
        assert "nokey=" in text and "unknown key" in text
        _assert_nothing_injected(page, asked, f"{lab} link {link}")
    assert page.errors == []


@pytest.mark.parametrize("search", ["?a=%C2%B2", "?lab=mlp&points=%C2%B2&%C2%B2=1",
                                    "?seed=-5&x0=%5B1%5D&y0=%7B%7D", "?lab=%FF%FE&noise=%00",
                                    "?" + "&".join(f"k{i}=v" for i in range(300))])
def test_odd_characters_in_a_link_leave_a_working_lab_and_a_notice(page, server_url, search):
    page.goto(server_url + search, wait_until="commit")
    text = _wait_for_notice(page, "Ignored from the link")
    if "seed=-5" in search:
        assert "'-5' (outside" in text  # the value as typed, not '-5.0'
        assert "x0='[1]' (not a number)" in text and "y0='{}'" in text
    # The lab itself is there: its controls came after the notice.
    page.locator(".pg-sidebar select, .pg-sidebar input").first.wait_for(timeout=60_000)
    assert page.errors == []


def test_uploaded_csv_names_and_fields_are_shown_as_text(page, server_url):
    asked = _watch_requests(page)
    page.goto(server_url + "?lab=mlp", wait_until="commit")
    upload = page.locator(".pg-upload input[type=file]")
    upload.wait_for(state="attached", timeout=60_000)

    def send(name: str, content: str):
        upload.set_input_files({"name": f"{name[:20]}.csv", "mimeType": "text/csv",
                                "buffer": content.encode()})

    # Labels that are words are class names: a file whose classes are payloads is taken.
    names = [PAYLOADS[k].replace("{key}", "label").replace(",", " ")
             for k in ("script", "img-onerror")]
    send(names[0], "x1,x2,label\n" + "".join(f"{i},{i % 3},{names[i % 2]}\n"
                                             for i in range(8)))
    data_set = page.locator(".pg-sidebar select").first
    data_set.wait_for(timeout=60_000)
    wait_until(page, lambda: "Uploaded" in data_set.evaluate(
        "s => s.options[s.selectedIndex].text"), 60,
        "the file with payloads for class names to be used")
    _assert_nothing_injected(page, asked, "CSV class names")
    # Refused files: each message quotes the hostile part, and names its own line, so
    # that each check waits for its own file's answer (not the message before).
    line = 1
    for name, template in PAYLOADS.items():
        payload = template.replace("{key}", "csv")
        for what, bad in (("field", f"1,{payload},0\n"),
                          ("columns", payload.replace(",", " ") + "\n")):
            line += 1
            good = "".join(f"{i},{i},0\n" for i in range(line - 2))
            send(payload, "x1,x2,label\n" + good + bad)
            message = page.locator(".pg-upload-message", has_text=f"line {line}:")
            message.wait_for(state="visible", timeout=30_000)
            if what == "field":
                quoted = repr(payload)[1:21]  # as Python quotes it: a backslash doubled
                assert quoted in message.inner_text(), (name, message.inner_text())
            _assert_nothing_injected(page, asked, f"CSV {what}, {name}")
    assert page.errors == []


def test_typed_formulas_are_shown_as_text(page, server_url):
    asked = _watch_requests(page)
    page.goto(server_url + "?surface=custom&expr=x**2%2By**2", wait_until="commit")
    formula = page.get_by_label("f(x, y) =")
    formula.wait_for(timeout=60_000)
    for name, template in PAYLOADS.items():
        formula.fill(template.replace("{key}", "expr"))
        formula.press("Enter")
        page.locator(".pg-expression-error", has_text="Cannot use this formula").wait_for(
            state="visible", timeout=30_000)
        _assert_nothing_injected(page, asked, f"formula, {name}")
    assert page.errors == []
