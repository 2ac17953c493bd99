"""AT-SPI helpers for the end-to-end test: find the app, walk its tree, find widgets by
role, accessible name and description, act on them, poll.

GTK 4.8 specifics (found by trying them): read `accessible.name`, not the Text interface; a
button's name is its label property followed by its content ("_Remove Remove"), so names
are matched by their first words; every page of a stack is in the tree, shown or not.
Nothing here is cached: the app's cache mask is NONE and every read is a D-Bus call
(about a millisecond), because libatspi only refreshes its cache from events, which need
a running main loop. A walk of the whole window (2000 objects) takes seconds, so callers
keep the objects that last (pages, the sidebar) and search below them.
"""
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, GLib  # noqa: E402
import pyatspi  # noqa: E402

SWITCH_ROLES = ("check box", "toggle button", "switch")


class NotFound(Exception):
    pass


def poll(fn, timeout=5.0, interval=0.1):
    """fn() until it returns something true, or @timeout s; returns the last result.
    AT-SPI errors (an object gone while being read) count as a false result."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = fn()
        except (GLib.Error, RuntimeError, NotFound, LookupError):
            result = None
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


def find_app(pid):
    for app in pyatspi.Registry.getDesktop(0):
        try:
            if app is not None and app.get_process_id() == pid:
                app.set_cache_mask(Atspi.Cache.NONE)
                return app
        except GLib.Error:
            continue
    return None


def children(obj):
    try:
        count = obj.childCount
    except GLib.Error:
        return []
    out = []
    for i in range(count):
        try:
            child = obj.getChildAtIndex(i)
        except GLib.Error:
            continue
        if child is not None:
            out.append(child)
    return out


def walk(obj, depth=0, max_depth=60, prune=None):
    """@obj and its descendants, depth first; @prune(o) true: o's descendants are skipped."""
    yield obj
    if depth < max_depth and not (prune and prune(obj)):
        for child in children(obj):
            yield from walk(child, depth + 1, max_depth, prune)


# Role names as at-spi2-core 2.46 (Debian 12) spells them, for those newer ones renamed
# (2.56, Debian 13: a push button is a "button").
ROLE_NAMES = {"button": "push button"}


def role(obj):
    try:
        r = obj.getRoleName()
    except GLib.Error:
        return ""
    return ROLE_NAMES.get(r, r)


def name(obj):
    try:
        return obj.name or ""
    except GLib.Error:
        return ""


def description(obj):
    try:
        return obj.description or ""
    except GLib.Error:
        return ""


def name_matches(actual, want):
    """GTK 4.8 names: the label property, then the content's text; underlines kept."""
    actual = actual.replace("_", "")
    return actual == want or actual.startswith(want + " ")


def matches(obj, roles=None, name_is=None, desc=None, name_prefix=None):
    if roles is not None and role(obj) not in ((roles,) if isinstance(roles, str) else roles):
        return False
    if desc is not None and description(obj) != desc:
        return False
    if name_is is not None and not name_matches(name(obj), name_is):
        return False
    if name_prefix is not None and not name(obj).startswith(name_prefix):
        return False
    return True


def find_all(root, **criteria):
    return [obj for obj in walk(root) if matches(obj, **criteria)]


def find(root, **criteria):
    for obj in walk(root):
        if matches(obj, **criteria):
            return obj
    raise NotFound(f"no {criteria} under {role(root)} {name(root)!r}")


def wait_find(root, timeout=5.0, **criteria):
    obj = poll(lambda: find(root, **criteria), timeout)
    if obj is None:
        raise NotFound(f"no {criteria} under {role(root)} {name(root)!r} after {timeout} s")
    return obj


def states(obj):
    try:
        return obj.getState()
    except GLib.Error:
        return None


def is_checked(obj):
    st = states(obj)
    return st is not None and st.contains(pyatspi.STATE_CHECKED)


def is_sensitive(obj):
    st = states(obj)
    return st is not None and st.contains(pyatspi.STATE_SENSITIVE)


def is_focused(obj):
    st = states(obj)
    return st is not None and st.contains(pyatspi.STATE_FOCUSED)


def is_selected(obj):
    """Selected, checked or pressed: how rows, tabs and toggle buttons say they are on."""
    st = states(obj)
    return st is not None and any(st.contains(s) for s in (pyatspi.STATE_SELECTED, pyatspi.STATE_CHECKED,
                                                           pyatspi.STATE_PRESSED))


def do_action(obj, wanted=("click", "toggle", "activate")):
    """Runs the first action named in @wanted (GTK: "click" on buttons, "toggle" on
    switches), else action 0. Returns what DoAction returned."""
    action = obj.queryAction()
    names = [action.getName(i) for i in range(action.nActions)]
    for w in wanted:
        if w in names:
            return action.doAction(names.index(w))
    if not names:
        raise NotFound(f"{role(obj)} {name(obj)!r} has no action")
    return action.doAction(0)


def set_text(obj, text):
    """Replaces the text of an editable: @obj or the first EditableText under it."""
    for candidate in walk(obj):
        try:
            editable = candidate.queryEditableText()
        except NotImplementedError:
            continue
        return editable.setTextContents(text)
    raise NotFound(f"nothing editable under {role(obj)} {name(obj)!r}")


def toplevels(app):
    return children(app)


def dump(obj, max_lines=4000):
    """The subtree as text, one object a line: [role] 'name' desc='…' {states}."""
    lines = []

    def rec(o, depth):
        if len(lines) >= max_lines:
            return
        st = states(o)
        flags = []
        if st is not None:
            for label, state in (("checked", pyatspi.STATE_CHECKED), ("sensitive", pyatspi.STATE_SENSITIVE),
                                 ("focused", pyatspi.STATE_FOCUSED), ("selected", pyatspi.STATE_SELECTED)):
                if st.contains(state):
                    flags.append(label)
        d = description(o)
        lines.append("  " * depth + f"[{role(o)}] {name(o)!r}" + (f" desc={d!r}" if d else "") +
                     (" {" + ",".join(flags) + "}" if flags else ""))
        for child in children(o):
            rec(child, depth + 1)

    rec(obj, 0)
    if len(lines) >= max_lines:
        lines.append(f"… (cut at {max_lines} lines)")
    return "\n".join(lines)


def parent(obj):
    try:
        return obj.parent
    except GLib.Error:
        return None


KEYSYMS = {"Return": 0xff0d, "Escape": 0xff1b, "Tab": 0xff09, "Down": 0xff54}


def press_key(keysym_name):
    """A key press and release through XTest (at-spi2-registryd's device controller), sent
    to whatever has the keyboard focus."""
    pyatspi.Registry.generateKeyboardEvent(KEYSYMS[keysym_name], None, pyatspi.KEY_SYM)
