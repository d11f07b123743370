"""Keyboard shortcuts for every page, and the help overlay that lists them (``?``).

One small script per page (:class:`KeyboardShortcuts`, a ReactiveHTML component the
shell adds once, like its ``HistoryListener``) listens to the window's keys and presses
the labs' own buttons, found by their CSS classes, so a key does exactly what a click
does (and the server hears of it the same way):

====================  ============================================================
Space                 Play / Pause: the MLP lab's ``pg-play`` toggle; the optimizer
                      lab's step player (``pg-player``)
→                     the optimizer lab's scrubber one step on (the player's next
                      button: as many steps as its speed); the MLP lab's Step
←                     the optimizer lab's scrubber one step back; nothing in the MLP
                      lab (training cannot be undone)
R                     the MLP lab's Reset (a new network); the optimizer lab's
                      scrubber back to step 0
PageDown, Shift+→     the lesson's next step (a presenter's clicker sends PageDown)
PageUp, Shift+←       the lesson's step before
?                     this help; Esc closes it
====================  ============================================================

The lesson's keys are not the arrows alone, which step the player.  A key typed into
a text box, a number box, a list or a text area is the box's: no shortcut acts then,
nor with Ctrl, Alt or Meta held.  Space on a focused button is that button's own (the
browser presses it).  The optimizer lab's player buttons, which Panel draws as icons,
get accessible names (``aria-label``) here too, and so does every control whose widget
draws no label of its own: an editable slider's number box, its arrow buttons and its
slider (from the slider's label), the header's language menu (``CLASS_NAMES``).  A
number box's arrow buttons are no Tab stops (``tabindex=-1``): the box is, and ↑/↓
in it do what they do.

A number box takes only what can begin a number: Bokeh puts the box back as it was
when a key would make it anything else (a letter, a second point).  The script says
so where it happened, so that a refused key is not lost in silence: a short note
under the box (``pg-key-refused``, read out by screen readers) names what was left
out (the keys refused in a row; in a box for whole numbers, ``pg-integer``, that it
takes whole numbers) for a few seconds or until the box is left, whatever keys are
taken meanwhile (the "e" of "1e9", typed, must not go unsaid once the 9 is in).  A
number typed whole but outside the control's bounds is the server's to refuse
(``widgets.Guard``).
"""

from __future__ import annotations

import param
from panel.reactive import ReactiveHTML

from ..text import tr
from .present import EXPORT_TAG, PLOT_COLORS
from .widgets import SLIDER_COLON_JS

#: The Panel player's buttons (their CSS classes) → the text keys of their names.
PLAYER_BUTTONS = {"first": "keys.player.first", "previous": "keys.player.previous",
                  "reverse": "keys.player.reverse", "pause": "keys.player.pause",
                  "play": "keys.player.play", "next": "keys.player.next",
                  "last": "keys.player.last", "slower": "keys.player.slower",
                  "faster": "keys.player.faster"}

#: Controls that show no label of their own (their CSS class) → the text keys of
#: their accessible names; and a plot with no title (its download menu's name) → the
#: name its menu is given after "Download: ".
CLASS_NAMES = {"pg-language": "app.language", "pg-download-network": "mlp.network"}

#: The help's rows per lab: (keys, text key); the shared rows follow.
LAB_ROWS = {
    "optimizers": (("Space", "keys.opt.play"), ("→", "keys.opt.right"),
                   ("←", "keys.opt.left"), ("R", "keys.opt.reset")),
    "mlp": (("Space", "keys.mlp.play"), ("→", "keys.mlp.right"), ("←", "keys.mlp.left"),
            ("R", "keys.mlp.reset")),
    # (An instructor sweeps the capacity from the keyboard: its slider is deep in the
    # sidebar, hidden in lecture mode.)
    "biasvariance": (("→", "keys.bv.right"), ("←", "keys.bv.left"),
                     ("↓ · ↑", "keys.bv.set"),
                     ("Space · R", "keys.none")),
}
SHARED_ROWS = (("PageDown · Shift+→", "keys.lesson.next"),
               ("PageUp · Shift+←", "keys.lesson.back"),
               ("?", "keys.help"), ("Esc", "keys.close"))


def help_rows(lab: str, lang: str) -> list[list[str]]:
    """The help overlay's rows for a page of ``lab``: ``[keys, what they do]``."""
    own = LAB_ROWS.get(lab, (("Space · ← → · R", "keys.none"),))
    return [[keys, tr(key, lang)] for keys, key in (*own, *SHARED_ROWS)]


#: A box with this CSS class is scrolled into its column's view when it is shown (within
#: the second: the page script's walk), e.g. a typed formula's error under the box.
INTO_VIEW = "pg-into-view"


KEYS_JS = SLIDER_COLON_JS + """
// Panel sends string parameters HTML-escaped: a textarea gives the characters back
// (its content is never markup).
const un = (s) => {
  const t = document.createElement('textarea');
  t.innerHTML = s;
  return t.value;
};
const texts = {title: un(data.title), note: un(data.note), close: un(data.close),
               rows: data.rows.map((row) => row.map(un)),
               player_names: Object.fromEntries(
                 Object.entries(data.player_names).map(([k, v]) => [k, un(v)])),
               class_names: Object.fromEntries(
                 Object.entries(data.class_names).map(([k, v]) => [k, un(v)])),
               key_refused: un(data.key_refused),
               key_refused_integer: un(data.key_refused_integer), colon: un(data.colon)};
if (window.pgKeyboard) { window.pgKeyboard.data = texts; return; }
const kb = window.pgKeyboard = {data: texts};
// The page's views (with a shadow root) whose model passes `test`, in one walk of the
// view tree: a `find_one` per model walks the whole tree each time, which made the
// timer below cost an MLP page 12 ms of every second.
const viewsWhere = (test) => (!window.Bokeh || !Bokeh.index) ? [] : [...Bokeh.index.query(
  (v) => v.model != null && v.shadow_el != null && test(v.model))];
// [model, view] of each visible model whose css_classes has `cls`.
const views = (cls) => viewsWhere((m) => Array.isArray(m.css_classes)
  && m.css_classes.includes(cls) && m.visible !== false).map((v) => [v.model, v]);
const button = (cls, inner) => {
  for (const [m, view] of views(cls)) {
    const b = view.shadow_el.querySelector(inner || 'button');
    if (b != null && !b.disabled) return [m, b];
  }
  return [null, null];
};
const press = (cls, inner) => {
  const [, b] = button(cls, inner);
  if (b) b.click();
  return b != null;
};
const player = (what) => {
  const [m, b] = button('pg-player', 'button.' + what);
  if (b == null) return false;
  if (what !== 'pause' && m.direction !== 0) {
    const [, p] = button('pg-player', 'button.pause'); if (p) p.click();
  }
  b.click();
  return true;
};
kb.label = () => {  // accessible names for the player's icon buttons
  for (const [, view] of views('pg-player')) {
    for (const [cls, name] of Object.entries(kb.data.player_names)) {
      const b = view.shadow_el.querySelector('button.' + cls);
      if (b != null && b.getAttribute('aria-label') !== name) {
        b.setAttribute('aria-label', name); b.setAttribute('title', name);
      }
    }
    const slider = view.shadow_el.querySelector('input[type=range]');
    if (slider != null && !slider.getAttribute('aria-label'))
      slider.setAttribute('aria-label', kb.data.player_names.scrubber);
  }
};
// Every other control whose widget draws no label of its own: the widget's title (or
// its composite's, e.g. an editable slider's), and for a number box's arrows that title
// with "increase"/"decrease".
const nameless = (el) => !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby')
  && !(el.tagName === 'BUTTON' && el.textContent.trim());
// A label's text: a Bokeh Div's (Panel's StaticText, e.g. an editable slider's
// "Steps:") or an HTML pane's (a card's title), its markup and the final colon dropped;
// else the first such text of a row.  A long label names its control by what comes
// before its explanation in brackets ("L2 penalty λ₂ (loss + λ₂ Σ W², …)").
const labelOf = (m, depth) => {
  if (m == null) return '';
  if ((m.type === 'Div' || m.type === 'panel.models.markup.HTML')
      && typeof m.text === 'string') {
    // (A discrete slider's label ends in its value, in bold: not part of its name,
    // which was set once and then named a stale value, "Degree d: 3" at 20.)
    const t = un(m.text).replace(/<b>[^<]*<\\/b>\\s*$/, '').replace(/<[^>]*>/g, '').trim()
      .replace(/\\s*[:：]\\s*$/, '');
    const short = t.replace(/\\s*[(（][\\s\\S]*$/, '');
    return t.length < 80 ? t : short.length < 80 ? short : '';
  }
  if (depth > 0 && Array.isArray(m.children)) {
    for (const c of m.children) {
      const t = labelOf(c, depth - 1);
      if (t) return t;
    }
  }
  return '';
};
const titleOf = (view) => {
  for (let v = view, up = 0; v != null && up < 3; v = v.parent, up++) {
    const m = v.model;
    const own = m.title || m.label;
    if (typeof own === 'string' && own.trim()) return own.trim();
    const named = (m.css_classes || []).find((c) => kb.data.class_names[c]);
    if (named) return kb.data.class_names[named];
    if (up > 0 && Array.isArray(m.children)) {  // a composite: its label's text
      for (const c of m.children) {
        const t = labelOf(c, 1);
        if (t) return t;
      }
    }
  }
  return '';
};
kb.name = () => {
  for (const view of viewsWhere((m) => 'title' in m || 'label' in m)) {
    kb.colon(view.shadow_el.querySelector('.bk-slider-title, .pn-player-title'));
    const controls = view.shadow_el.querySelectorAll(
      'input:not([type=hidden]), select, textarea, button, [role=slider]');
    if (controls.length === 0) continue;
    let title = null;
    const dark = document.querySelector('.pg-theme-dark') != null;
    for (const el of controls) {
      // A number box's arrows are the mouse's: the keyboard has ↑/↓ in the box.
      if (el.classList.contains('bk-spin-btn') && el.getAttribute('tabindex') !== '-1')
        el.setAttribute('tabindex', '-1');
      // Bokeh draws the arrows in its --color, near black whatever Panel's theme: in
      // the dark theme they take the theme's ink (the widget's own CSS is out of reach
      // in its shadow root).
      if (dark && el.classList.contains('bk-spin-btn') && !el.style.getPropertyValue('--color'))
        el.style.setProperty('--color', 'var(--pg-ink, #eeeeee)');
      if (!nameless(el)) continue;
      if (title === null) title = titleOf(view);
      if (!title) continue;  // (and the next arrows still leave the Tab order)
      const cls = el.classList;
      el.setAttribute('aria-label', cls.contains('bk-spin-btn-up') ?
        title + ': ' + kb.data.player_names.increase :
        cls.contains('bk-spin-btn-down') ? title + ': ' + kb.data.player_names.decrease : title);
    }
  }
};
// A Bokeh slider's title: the page's colon ("：" in Chinese; ui.widgets.SLIDER_COLON_JS).
kb.colon = (el) => pgColon(el, () => kb.data.colon);
// In one walk of the views: on/off buttons say whether they are on (aria-pressed: a
// toggle such as Controls, Lecture mode, Dark, Play; a group such as the lab switcher
// or the MLP's input features), and what a screen reader says when it changes is live
// (a notice: a refused value, a divergence, a formula's error, "alert" for the red
// ones; a lesson's caption).
const switchable = (m) => 'active' in m && ('labels' in m || m.type === 'Toggle');
const spoken = (m) => Array.isArray(m.css_classes)
  && (m.css_classes.includes('pg-notice') || m.css_classes.includes('pg-lesson-text'));
// A box tagged INTO_VIEW is scrolled into its column's view as it is shown.
const seen = (m) => Array.isArray(m.css_classes) && m.css_classes.includes('INTO_VIEW');
// A card's header says whether the card is open; its chevron is decoration.
const card = (m) => 'collapsed' in m && 'header_color' in m;
kb.aria = () => {
  for (const view of viewsWhere((m) => switchable(m) || spoken(m) || seen(m) || card(m))) {
    const m = view.model;
    if (card(m)) {
      const header = view.shadow_el.querySelector('.card-header');
      const open = String(!m.collapsed);
      if (header != null && header.getAttribute('aria-expanded') !== open) {
        header.setAttribute('aria-expanded', open);
        header.querySelectorAll('svg').forEach((i) => i.setAttribute('aria-hidden', 'true'));
      }
      // Its title is drawn in a shadow root of its own: the button is named for it.
      const title = labelOf(m.children[0], 2);
      if (header != null && title && header.getAttribute('aria-label') !== title)
        header.setAttribute('aria-label', title);
      continue;
    }
    if (seen(m)) {
      const shown = m.visible !== false && view.el.isConnected && view.el.offsetParent != null;
      if (shown && !view.pgShown) view.el.scrollIntoView({block: 'nearest', behavior: 'smooth'});
      view.pgShown = shown;
    }
    if (spoken(m)) {
      const role = m.css_classes.includes('pg-notice-danger') ? 'alert' : 'status';
      if (view.el.getAttribute('role') !== role) view.el.setAttribute('role', role);
    }
    if (!switchable(m)) continue;
    view.shadow_el.querySelectorAll('button').forEach((b, i) => {
      const on = m.active;
      const pressed = String(Array.isArray(on) ? on.includes(i)
                             : typeof on === 'number' ? on === i : !!on);
      if (b.getAttribute('aria-pressed') !== pressed) b.setAttribute('aria-pressed', pressed);
    });
  }
};
// A plot's Download menu is named for its plot ("Download: Error against capacity"):
// every one had read "Download".  Once named, a menu is left alone (no walk a second).
kb.download = () => {
  const menus = views('pg-download').map(([m, v]) => [m, v.shadow_el.querySelector('button')])
    .filter(([, b]) => b != null && !b.getAttribute('aria-label'));
  if (menus.length === 0) return;
  const titles = {};
  for (const v of viewsWhere((m) => Array.isArray(m.tags) && m.title != null)) {
    for (const t of v.model.tags) {
      if (typeof t === 'string' && t.startsWith('EXPORT_TAG:') && v.model.title.text)
        titles[t.slice('EXPORT_TAG:'.length)] = v.model.title.text;
    }
  }
  for (const [m, b] of menus) {
    const title = titles[String(m.name).replace(/^pg-download-/, '')]
      || kb.data.class_names[m.name];  // a plot with no title (the network's diagram)
    if (title) b.setAttribute('aria-label', `${b.textContent.trim()}${kb.data.colon}${title}`);
    b.setAttribute('aria-haspopup', 'menu');
  }
};
// Each plot's picture is an image named for its plot ("Error against capacity"; the
// network's diagram by its class name): a screen reader met unnamed canvases.  Its
// toolbar and legend stay outside the image, reachable.  Renamed as a title changes.
kb.charts = () => {
  for (const v of viewsWhere((m) => 'toolbar' in m && 'title' in m)) {  // (every plot)
    const picture = v.canvas_view != null ? v.canvas_view.el : null;
    if (picture == null) continue;
    const tag = (v.model.tags || []).find((t) => typeof t === 'string'
                                            && t.startsWith('EXPORT_TAG:')) || 'EXPORT_TAG:';
    const text = v.model.title != null && v.model.title.text ? v.model.title.text : '';
    const name = text.replace(/\\s*\\n\\s*/g, ' ').trim()
      || kb.data.class_names['pg-download-' + tag.slice('EXPORT_TAG:'.length)] || '';
    if (!name) continue;
    if (picture.getAttribute('role') !== 'img') picture.setAttribute('role', 'img');
    if (picture.getAttribute('aria-label') !== name) picture.setAttribute('aria-label', name);
  }
  // Its toolbar's tools are buttons to a screen reader too (Bokeh draws each as a div
  // with a title: unnamed Tab stops), an on/off one saying whether it is on.
  // (The toolbar is four shadow roots down: the plot's canvas, its side panel, the
  // toolbar's panel, the toolbar; the buttons in the last.)
  const toolbars = (root, depth) => depth === 0 || root == null ? [] : [...root
    .querySelectorAll('.bk-Toolbar, .bk-Canvas, .bk-CanvasPanel, .bk-ToolbarPanel')]
    .flatMap((el) => el.classList.contains('bk-Toolbar') ? [el]
      : toolbars(el.shadowRoot, depth - 1));
  for (const v of viewsWhere((m) => 'toolbar' in m && 'title' in m)) {
   for (const bar of toolbars(v.shadow_el, 5)) {
    if (bar.shadowRoot == null) continue;
    for (const b of bar.shadowRoot.querySelectorAll('.bk-ClickButton, .bk-OnOffButton')) {
      const title = b.getAttribute('title');
      if (b.getAttribute('role') !== 'button') b.setAttribute('role', 'button');
      if (title && b.getAttribute('aria-label') !== title) b.setAttribute('aria-label', title);
      if (b.classList.contains('bk-OnOffButton')) {
        const on = String(b.classList.contains('bk-active'));
        if (b.getAttribute('aria-pressed') !== on) b.setAttribute('aria-pressed', on);
      }
    }
   }
  }
};
kb.timer = setInterval(() => {
  kb.label(); kb.name(); kb.aria(); kb.download(); kb.charts();
}, 1000);
// A box that takes keys: text, numbers, a list, a radio group (arrows move its choice);
// not a checkbox, which takes only Space (left to it: see kb.pressable).
kb.typing = (e) => {
  const el = e.composedPath()[0];
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  if (tag === 'input') return !kb.pressable(el);
  return tag === 'textarea' || tag === 'select' || el.isContentEditable;
};
kb.pressable = (el) => !!el && !!el.tagName && (el.tagName.toLowerCase() === 'button'
  || (el.tagName.toLowerCase() === 'input'
      && ['checkbox', 'button', 'submit', 'reset'].includes((el.type || '').toLowerCase())));
kb.overlay = null;
kb.closeHelp = () => {
  if (kb.overlay == null) return;
  kb.overlay.remove(); kb.overlay = null;
  if (kb.before && kb.before.focus) kb.before.focus();
};
kb.openHelp = () => {
  if (kb.overlay != null) return;
  const dark = document.querySelector('.pg-theme-dark') != null;
  const o = document.createElement('div');
  o.className = 'pg-help-overlay';
  o.style.cssText = 'position:fixed;inset:0;background:rgba(0,0,0,0.45);z-index:10000;' +
    'display:flex;align-items:center;justify-content:center';
  const box = document.createElement('div');
  box.setAttribute('role', 'dialog'); box.setAttribute('aria-modal', 'true');
  box.setAttribute('aria-labelledby', 'pg-help-title');
  box.className = 'pg-help';
  box.style.cssText = 'max-width:640px;width:90%;border-radius:10px;padding:18px 24px;' +
    'font:16px/1.45 system-ui,sans-serif;box-shadow:0 10px 40px rgba(0,0,0,0.4);' +
    (dark ? 'background:DARK_BACKGROUND;color:DARK_INK' : 'background:white;color:#1f2933');
  const h = document.createElement('h2');
  h.id = 'pg-help-title'; h.textContent = kb.data.title;
  h.style.cssText = 'margin:0 0 10px 0;font-size:22px';
  box.appendChild(h);
  const table = document.createElement('table');
  table.style.cssText = 'border-collapse:collapse;width:100%';
  for (const [keys, what] of kb.data.rows) {
    const tr = document.createElement('tr');
    const k = document.createElement('th'); k.scope = 'row';
    k.style.cssText = 'text-align:left;padding:5px 14px 5px 0;white-space:nowrap;' +
      'font-family:ui-monospace,monospace;vertical-align:top';
    k.textContent = keys;
    const w = document.createElement('td'); w.style.padding = '5px 0'; w.textContent = what;
    tr.appendChild(k); tr.appendChild(w); table.appendChild(tr);
  }
  box.appendChild(table);
  const note = document.createElement('p');
  note.textContent = kb.data.note; note.style.cssText = 'margin:10px 0;opacity:0.85';
  box.appendChild(note);
  const close = document.createElement('button');
  close.textContent = kb.data.close; close.className = 'pg-help-close';
  close.style.cssText = 'font-size:16px;padding:6px 16px;cursor:pointer';
  close.addEventListener('click', kb.closeHelp);
  box.appendChild(close);
  o.appendChild(box);
  o.addEventListener('click', (e) => { if (e.target === o) kb.closeHelp(); });
  kb.before = document.activeElement;
  document.body.appendChild(o);
  kb.overlay = o;
  close.focus();
};
// A discrete slider (Panel's: a label and a Bokeh slider of option indices) one option
// on (delta 1) or back; false where the page has none.
kb.nudge = (cls, delta) => {
  for (const [m] of views(cls)) {
    const s = (m.children || []).find((c) => c.type === 'Slider');
    if (s == null || s.disabled) continue;
    const to = Math.min(s.end, Math.max(s.start, s.value + delta * (s.step || 1)));
    if (to !== s.value) s.value = to;
    return true;
  }
  return false;
};
// The bias–variance lab's set shown, one on (delta 1) or back, as a click on its fit
// does (the choice had been the mouse's alone); false where the page has no such fits.
kb.pickSet = (delta) => {
  const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0];
  const fits = doc && doc.get_model_by_name('pg-bv-fits');
  const count = fits && fits.data.xs ? fits.data.xs.length : 0;
  if (count === 0) return false;
  const shown = doc.get_model_by_name('pg-bv-shown');
  const now = fits.selected.indices.length ? fits.selected.indices[0]
    : (shown && shown.tags.length ? shown.tags[0] : 0);
  fits.selected.indices = [(now + delta + count) % count];
  return true;
};
kb.onKey = (e) => {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
  if (kb.overlay != null) {
    if (e.key === 'Escape' || e.key === '?') { kb.closeHelp(); e.preventDefault(); }
    // Focus stays in the dialog (its one control), not on the page behind it.
    if (e.key === 'Tab') { kb.overlay.querySelector('button').focus(); e.preventDefault(); }
    return;  // the help is open: the page's keys wait
  }
  if (kb.typing(e)) return;
  const el = e.composedPath()[0];
  const onButton = kb.pressable(el);  // Space presses it (or ticks the box)
  let done = false;
  if (e.key === '?') { kb.openHelp(); done = true; }
  else if (e.key === 'PageDown' || (e.shiftKey && e.key === 'ArrowRight'))
    done = press('pg-lesson-next');
  else if (e.key === 'PageUp' || (e.shiftKey && e.key === 'ArrowLeft'))
    done = press('pg-lesson-back');
  else if (e.shiftKey) return;
  else if (e.key === ' ' || e.key === 'Spacebar') {
    if (onButton) return;  // the browser presses the focused button
    done = press('pg-play') || (() => {
      const [m] = button('pg-player', 'button.play');
      return m != null && player(m.direction !== 0 ? 'pause' : 'play');
    })();
  }
  else if (e.key === 'ArrowRight')
    done = press('pg-step') || player('next') || kb.nudge('pg-bv-capacity', 1);
  else if (e.key === 'ArrowLeft')
    done = player('previous') || kb.nudge('pg-bv-capacity', -1);
  else if (e.key === 'ArrowDown') done = kb.pickSet(1);
  else if (e.key === 'ArrowUp') done = kb.pickSet(-1);
  else if (e.key === 'r' || e.key === 'R') done = press('pg-reset') || player('first');
  if (done) e.preventDefault();
};
window.addEventListener('keydown', kb.onKey);
// A Download menu (Bokeh's Dropdown) from the keyboard: ↓ on its button goes into the open
// menu, ↓/↑ move through it, and Esc closes it back onto its button (it fell to the page's
// start: the next Tab went to the header's first button).
const menuItems = (host) => host && host.shadowRoot
  ? [...host.shadowRoot.querySelectorAll('.bk-item')] : [];
window.addEventListener('keydown', (e) => {
  if (!['ArrowDown', 'ArrowUp', 'Escape'].includes(e.key)) return;
  const el = e.composedPath()[0];
  if (!el || !el.classList) return;
  let items, at, button;
  if (el.classList.contains('bk-item')) {
    const host = el.getRootNode().host;
    items = menuItems(host); at = items.indexOf(el);
    button = host.getRootNode().querySelector('button.bk-btn');
  } else if (el.tagName === 'BUTTON' && el.classList.contains('bk-btn')) {
    items = menuItems(el.getRootNode().querySelector('.bk-Menu')); at = -1; button = el;
  }
  if (!items || items.length === 0) return;
  if (e.key === 'Escape') {
    if (at >= 0) setTimeout(() => button.focus(), 0);  // after Bokeh closes the menu
    return;
  }
  const next = e.key === 'ArrowDown' ? at + 1 : (at <= 0 ? items.length - 1 : at - 1);
  // A menu and its items to a screen reader; the item focused ringed as every control
  // (Bokeh's 1-px dotted outline, out of the page's stylesheets' reach).
  items[0].getRootNode().host.setAttribute('role', 'menu');  // (the items' shadow host)
  for (const item of items) {
    item.setAttribute('role', 'menuitem');
    item.style.outline = '';
  }
  const to = items[next % items.length];
  to.style.outline = '2px solid var(--pg-focus, #0072b5)'; to.style.outlineOffset = '-2px';
  to.focus();
  e.preventDefault(); e.stopImmediatePropagation();
}, true);
// A lone check box's words are drawn beside its box, not in a <label> (Bokeh's Checkbox;
// holoviz/panel#7106): a click or a tap on them ticks the box, as on any form.
window.addEventListener('click', (e) => {
  const el = e.composedPath()[0];
  if (!el || !el.classList || !el.classList.contains('bk-label') || el.closest('label')) return;
  const box = el.previousElementSibling;
  if (box && box.tagName === 'INPUT' && box.type === 'checkbox' && !box.disabled) box.click();
});
// The language menu reloads the page in the language chosen: on the closed menu the
// arrows (and typed letters) chose one at once, and the page left under a reader
// reading its options.  They open the list instead, where Enter chooses.
window.addEventListener('keydown', (e) => {
  const path = e.composedPath(), el = path[0];
  if (!el || el.tagName !== 'SELECT' || e.key === 'Tab' || e.key === 'Escape'
      || !path.some((n) => n.classList && n.classList.contains('pg-language'))) return;
  if (e.key.length === 1 || e.key.startsWith('Arrow') || e.key.startsWith('Page')
      || e.key === 'Home' || e.key === 'End' || e.key === 'Enter') {
    e.preventDefault();
    try { el.showPicker(); } catch (err) { /* a browser without it: the list by mouse */ }
  }
}, true);
// A card opened or closed from the keyboard keeps the focus on its header: Panel
// redraws the header, and the focus fell to the page's <body> (the next Tab started
// again at the top).  Only when it fell: a focus moved on meanwhile stays where it is.
// Watched for 3 s: a card's contents, built as it first opens, redraw it again later
// on a busy server.
window.addEventListener('keydown', (e) => {
  const el = e.composedPath()[0];
  if ((e.key !== 'Enter' && e.key !== ' ') || !el || !el.classList
      || !el.classList.contains('card-header')) return;
  const root = el.getRootNode();
  const refocus = () => {
    if (document.activeElement !== document.body && document.activeElement != null) return;
    const header = root.querySelector ? root.querySelector('.card-header') : null;
    if (header != null && header.isConnected) header.focus();
  };
  const until = Date.now() + 3000;
  const watch = () => { refocus(); if (Date.now() < until) setTimeout(watch, 100); };
  setTimeout(watch, 50);
}, true);
// A number box's refused key.  Bokeh's own listener on the box puts the old text back
// when the new one is no number's beginning; the window sees the event before it
// (capture) and after it (bubble): a text that changed in between was refused.
kb.refusedNote = null;
kb.hideRefused = () => {
  if (kb.refusedNote != null) { kb.refusedNote.remove(); kb.refusedNote = null; }
  clearTimeout(kb.refusedTimer);
};
kb.beforeInput = (e) => {
  const path = e.composedPath(), el = path[0];
  // The note stays inside the sidebar the box is in (else the window).
  const side = path.find((n) => n.classList && n.classList.contains('pg-sidebar'));
  // A box for whole numbers (``pg-integer``) says so: "0.5" and "1e9" are numbers.
  const integer = path.some((n) => n.classList && n.classList.contains('pg-integer'));
  // One key typed (not a paste): said together with the keys refused just before it.
  // (Not "<event>.data.length": Panel reads "data.<name>" in a script as a parameter.)
  const inserted = e.data;
  const key = e.inputType === 'insertText' && inserted != null && inserted.length === 1;
  kb.typed = (el && el.tagName === 'INPUT' && el.closest('.bk-input-group')) ?
    [el, el.value, inserted, side, integer, key] : null;
};
kb.afterInput = (e) => {
  const seen = kb.typed; kb.typed = null;
  if (seen == null || seen[0] !== e.composedPath()[0]) return;
  const [el, wanted, data, side, integer, key] = seen;
  // Taken: a note stays its time, what it says was left out still is ("1e9" typed
  // into a box for whole numbers is 19: the "e" must not go unsaid when the 9 comes).
  if (el.value === wanted) { kb.refusedKey = false; return; }  // and ends the row
  const before = (kb.refusedNote != null && kb.refusedEl === el && key && kb.refusedKey) ?
    kb.refusedText : '';
  kb.hideRefused();
  // Keys typed one after the other are said together ("abc", not "c").
  kb.refusedText = (before + ((data != null && data !== '') ? data : wanted)).slice(-24);
  kb.refusedEl = el;
  kb.refusedKey = key;
  const note = document.createElement('div');
  note.className = 'pg-key-refused';
  note.setAttribute('role', 'status');
  note.textContent = (integer ? kb.data.key_refused_integer : kb.data.key_refused)
    .replace('{text}', kb.refusedText);
  const r = el.getBoundingClientRect();
  const dark = document.querySelector('.pg-theme-dark') != null;
  const big = document.querySelector('.pg-present') != null;
  const box = side ? side.getBoundingClientRect() : {left: 0, right: window.innerWidth};
  const room = Math.max(160, box.right - box.left - 8);
  note.style.cssText = 'position:fixed;z-index:10001;padding:3px 8px;box-sizing:border-box;' +
    'border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,0.25);pointer-events:none;' +
    'font:' + (big ? '18px' : '13px') + '/1.35 system-ui,sans-serif;' +
    (dark ? 'background:#3b1d22;color:#ffd7dc;' : 'background:#f8d7da;color:#842029;') +
    'max-width:' + Math.min(320, room) + 'px;top:' + (r.bottom + 3) + 'px';
  document.body.appendChild(note);
  // Under the box, moved left as far as it must to end inside the sidebar.
  const right = Math.min(box.right - 4, window.innerWidth - 4);
  note.style.left = Math.max(box.left + 4, Math.min(r.left, right - note.offsetWidth)) + 'px';
  kb.refusedNote = note;
  kb.refusedTimer = setTimeout(kb.hideRefused, 4000);
};
window.addEventListener('input', kb.beforeInput, true);
window.addEventListener('input', kb.afterInput);
window.addEventListener('focusout', kb.hideRefused);
window.addEventListener('scroll', kb.hideRefused, true);
""".replace(
    "DARK_BACKGROUND", PLOT_COLORS["dark"]["background"]).replace(
    "DARK_INK", PLOT_COLORS["dark"]["ink"]).replace(  # the help overlay in the dark theme
    "EXPORT_TAG", EXPORT_TAG).replace("INTO_VIEW", INTO_VIEW)


class KeyboardShortcuts(ReactiveHTML):
    """The page's keys (see the module's table) and the help overlay (``?``).

    Its texts come from the server in the page's language: ``rows`` (``[keys, what]``),
    ``title``, ``note``, ``close``, ``player_names`` (the player's button class →
    its accessible name), ``class_names`` (a control's CSS class → its accessible
    name, for controls that show no label, e.g. the header's language menu) and
    ``key_refused`` (a number box's refused key: ``{text}`` is what was left out),
    ``key_refused_integer`` (the same in a box for whole numbers, class ``pg-integer``) and
    ``colon`` (what joins a slider's title and its value: "：" in Chinese).  Added
    once per page; a second one only hands its texts over.
    """

    rows = param.List(default=[])
    title = param.String(default="")
    note = param.String(default="")
    close = param.String(default="")
    player_names = param.Dict(default={})
    class_names = param.Dict(default={})
    key_refused = param.String(default="")
    key_refused_integer = param.String(default="")
    colon = param.String(default=": ")

    _template = "<div id='keyboard' style='display:none'></div>"
    _scripts = {"render": KEYS_JS}

    @classmethod
    def for_page(cls, lab: str, lang: str) -> KeyboardShortcuts:
        """The shortcuts of a page of ``lab`` in ``lang``."""
        names = {cls_: tr(key, lang) for cls_, key in PLAYER_BUTTONS.items()}
        names["scrubber"] = tr("keys.player.scrubber", lang)
        names["increase"] = tr("keys.increase", lang)
        names["decrease"] = tr("keys.decrease", lang)
        return cls(rows=help_rows(lab, lang), title=tr("keys.title", lang),
                   note=tr("keys.note", lang), close=tr("keys.close_button", lang),
                   player_names=names,
                   class_names={c: tr(key, lang) for c, key in CLASS_NAMES.items()},
                   key_refused=tr("input.key_refused", lang),
                   key_refused_integer=tr("input.key_refused_integer", lang),
                   colon=tr("widget.colon", lang))
