#!/usr/bin/env python3
# check-i18n.py — fails when a user-visible string of the app or a CLI is not marked for
# translation, or when a file with marked strings is missing from po/POTFILES.in.
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   check-i18n.py SRCDIR             check the tree (the files under SCANNED, po/POTFILES.in)
#   check-i18n.py --self-test DIR    check the fixtures in DIR: each must be flagged on
#                                    exactly the lines that say "expect-flag"
#
# C rules. A string literal is user text when, with escapes, printf conversions and a
# leading program prefix ("hapctl bench: ") taken out, it still holds a word (two letters
# in a row), and it does not start with "{" (JSON written for programs: the other arguments
# of a call whose format is JSON are left alone too). User text must be
# wrapped in _(), N_(), C_() or a *gettext() call when it is:
#   - an argument of a function that shows text to users (USER_FUNCS and USER_FUNC_RE:
#     GTK/libadwaita labels, titles, tooltips and toasts, g_print/g_printerr, GError
#     messages, GOptionContext texts, and the CLIs' own usage helpers);
#   - the description of a GOptionEntry, or a field that TABLE_FIELDS names;
#   - a value of a text property (TEXT_PROPERTIES) in a property list (PROPERTY_FUNCS);
#   - in the app (ui/) also: an argument of a function that builds text for widgets
#     (UI_FUNCS: g_strdup_printf, g_string_append…, the pages' own setters), and a
#     returned literal with a space in it ("every 20 ms"; an icon name has none).
# Plurals take ngettext(). A format with G_GINT64_FORMAT & co. inside cannot be marked
# (xgettext does not expand macros): use %lld/%llu and cast.
# Only literals at the top level of the argument count (a ternary's branches too): a
# literal inside another call (a JSON key, a D-Bus name) is that call's business.
# An intentional exception carries a comment with "i18n-ignore: REASON" on the line of
# the call (or field) or on the line before it.
#
# .ui rules. Every <property> among UI_TEXT_PROPERTIES, <attribute name="label"> and
# <item> of a string list that holds a word must say translatable="yes".
#
# POTFILES rules. Every file listed exists; every scanned file that marks strings
# (or has an .ui translatable string) is listed.
import os
import re
import sys
import tempfile

SCANNED_DIRS = ['ui', 'ui/gtk', 'simulator', 'simulator/quirks', 'hapctl', 'provision']
SCANNED_FILES = ['virtual-bluez/hap-virtual-bluez.c']

# name -> index of the first argument that can be user text (the ones before it are
# objects, GError domains and codes).
USER_FUNCS = {
    'g_print': 0, 'g_printerr': 0,
    'g_set_error': 3, 'g_set_error_literal': 3,
    'g_error_new': 2, 'g_error_new_literal': 2,
    'g_prefix_error': 1, 'g_prefix_error_literal': 1,
    'g_propagate_prefixed_error': 2,
    'g_task_return_new_error': 3,
    'g_dbus_method_invocation_return_error': 3,
    'g_dbus_method_invocation_return_error_literal': 3,
    'g_option_context_new': 0,
    'g_option_context_set_summary': 1,
    'g_option_context_set_description': 1,
    'gtk_label_new': 0, 'gtk_label_new_with_mnemonic': 0,
    'gtk_button_new_with_label': 0, 'gtk_button_new_with_mnemonic': 0,
    'gtk_check_button_new_with_label': 0, 'gtk_check_button_new_with_mnemonic': 0,
    'gtk_string_list_append': 1,
    'gtk_file_chooser_native_new': 0,
    'adw_toast_new': 0, 'adw_toast_new_format': 0,
    'adw_message_dialog_new': 1,
    'adw_message_dialog_add_response': 2,
    'adw_message_dialog_format_heading': 1, 'adw_message_dialog_format_body': 1,
    'g_menu_append': 1, 'g_menu_item_new': 0,
    'g_notification_new': 0, 'g_notification_set_body': 1,
    # The CLIs' own helpers that print their argument to the user.
    'usage_error': 0,        # simulator/hap-sim-ctl.c
    'hapctl_usage': 1,       # hapctl/hapctl.c
    'usage': 1,              # virtual-bluez/hap-virtual-bluez.c
    'hap_sim_ui_toast': 1, 'hap_sim_ui_toast_error': 1, 'hap_sim_window_toast': 1,
    'hap_sim_ui_message_dialog_new': 1,
    'show_result': 2,        # ui/hap-sim-window.c: what failed, what was done
}
# In the app (ui/), where text is built for widgets before it is shown: formats, string
# builders and the app's own setters. A CLI builds machine output with these too.
UI_FUNCS = {
    'g_strdup_printf': 0, 'g_strdup': 0, 'g_markup_escape_text': 0,
    'g_string_append': 1, 'g_string_append_printf': 1, 'g_string_new': 0,
    'gtk_file_filter_set_name': 1,
    'gtk_accessible_update_property': 2,
    'set_value': 1, 'set_valuef': 1,            # ui/hap-sim-ble-page.c
    'set_accessible_label': 1,                  # ui/hap-sim-accessory-editor.c
    'add_item': 2,                              # ui/hap-sim-transports-group.c
    'g_application_set_option_context_summary': 1,
    'g_application_set_option_context_description': 1,
}
# Property lists (name, value, …, NULL): the values of these names are text.
PROPERTY_FUNCS = {'adw_show_about_window': 1, 'gtk_show_about_dialog': 1, 'g_object_new': 1,
                  'g_object_set': 1}
TEXT_PROPERTIES = {'application-name', 'comments', 'title', 'subtitle', 'label', 'description',
                   'tooltip-text', 'placeholder-text', 'heading', 'body'}
# Variadic: (id, label) pairs after the dialog; only the labels are text.
PAIRED_FUNCS = {'adw_message_dialog_add_responses': 1}
# Setters of shown text: gtk_label_set_text, adw_action_row_set_subtitle, … The text of an
# editable (gtk_editable_set_text) is the user's data, not a label.
USER_FUNC_RE = re.compile(
    r'^(gtk|adw)_\w+_set_(title|subtitle|label|text|markup|tooltip_text|tooltip_markup|'
    r'placeholder_text|description|body|heading)$')
NOT_USER_FUNCS = {'gtk_editable_set_text', 'gtk_entry_buffer_set_text', 'gtk_text_buffer_set_text'}

# Struct tables whose fields are shown to users: type -> field indexes.
TABLE_FIELDS = {
    'GOptionEntry': [5],     # description
    'Command': [2],          # simulator/hap-sim-ctl.c: the summary in `ctl --help`
    'layer_groups': [0, 1],  # ui/hap-sim-quirks-page.c: group titles and descriptions
}
# A variable named *help, *_usage or *_summary set to a literal holds help text.
HELP_VARIABLE_RE = re.compile(r'(^|_)(help|usage|summary)$')

MARKERS = {'_', 'N_', 'C_', 'NC_', 'gettext', 'dgettext', 'g_dgettext', 'ngettext',
           'g_dngettext', 'g_dpgettext', 'g_dpgettext2', 'dngettext', 'pgettext'}
PROGRAM_PREFIX = re.compile(r'^\s*(hap-simulator|hapctl|hap-provision|hap-virtual-bluez)'
                            r'( [a-z][a-z-]*)?: ')
UI_TEXT_PROPERTIES = {'label', 'title', 'subtitle', 'description', 'tooltip-text',
                      'tooltip-markup', 'placeholder-text', 'text', 'heading', 'body',
                      'secondary-text', 'accessible-name'}
IGNORE = 'i18n-ignore'


def is_user_text(literal):
    s = re.sub(r'\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)', ' ', literal)
    s = re.sub(r"%[-+ #0'*\d.]*(hh|h|ll|l|L|z|j|t|q)?[diouxXeEfFgGaAcspn%]", '', s)
    if s.lstrip().startswith('{'):
        return False
    s = PROGRAM_PREFIX.sub('', s)
    return re.search(r'[A-Za-z]{2,}', s) is not None


def tokenize(text):
    """C tokens as (kind, value, line) and the lines whose comments say i18n-ignore.
    Preprocessor lines are left out (their strings are macro bodies, seen where used)."""
    tokens, ignored = [], set()
    i, line, n = 0, 1, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if c == '\n':
            line += 1
            i += 1
            at_line_start = True
            continue
        if c in ' \t\r\f\v':
            i += 1
            continue
        if at_line_start and c == '#':
            while i < n and text[i] != '\n':
                if text[i] == '\\' and i + 1 < n and text[i + 1] == '\n':
                    line += 1
                    i += 1
                elif text.startswith('/*', i):
                    end = text.find('*/', i + 2)
                    end = n if end < 0 else end
                    line += text.count('\n', i, end)
                    i = end + 1
                i += 1
            continue
        at_line_start = False
        if text.startswith('//', i):
            end = text.find('\n', i)
            end = n if end < 0 else end
            if IGNORE in text[i:end]:
                ignored.add(line)
            i = end
            continue
        if text.startswith('/*', i):
            end = text.find('*/', i + 2)
            end = n if end < 0 else end + 2
            body = text[i:end]
            if IGNORE in body:
                ignored.add(line)
                ignored.add(line + body.count('\n'))
            line += body.count('\n')
            i = end
            continue
        if c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            if c == '"':
                tokens.append(('str', text[i + 1:j], line))
            else:
                tokens.append(('chr', text[i:j + 1], line))
            i = j + 1
            continue
        m = re.compile(r'[A-Za-z_]\w*').match(text, i)
        if m:
            tokens.append(('id', m.group(0), line))
            i = m.end()
            continue
        m = re.compile(r'\d[\w.]*').match(text, i)
        if m:
            tokens.append(('num', m.group(0), line))
            i = m.end()
            continue
        tokens.append(('p', c, line))
        i += 1
    return tokens, ignored


def split_group(tokens, start):
    """tokens[start] opens ( [ or {: returns the top-level comma-separated parts and the
    index after the closing bracket."""
    depth, parts, current, i = 0, [], [], start
    while i < len(tokens):
        kind, value, _ = tokens[i]
        if kind == 'p' and value in '([{':
            depth += 1
            if depth > 1:
                current.append((tokens[i], depth - 1))
        elif kind == 'p' and value in ')]}':
            depth -= 1
            if depth == 0:
                parts.append(current)
                return parts, i + 1
            current.append((tokens[i], depth))
        elif kind == 'p' and value == ',' and depth == 1:
            parts.append(current)
            current = []
        else:
            current.append((tokens[i], depth - 1))
        i += 1
    parts.append(current)
    return parts, i


def unmarked_literals(part):
    """The top-level literals of one argument that are user text: (line, text)."""
    found, run, run_line = [], [], None
    for (kind, value, line), depth in part + [(('p', ';', 0), 0)]:
        if kind == 'str' and depth == 0:
            if not run:
                run_line = line
            run.append(value)
            continue
        if kind == 'id' and depth == 0 and run and re.fullmatch(r'[A-Z][A-Z0-9_]*', value):
            continue  # a macro between pieces of one literal: "a" G_GINT64_FORMAT "b"
        if run and is_user_text(''.join(run)):
            found.append((run_line, ''.join(run)))
        run = []
    return found


def _literal_run(tokens, start):
    """The adjacent literals (and macros between them) from tokens[start], as one part."""
    run = []
    while start < len(tokens) and (tokens[start][0] == 'str' or (
            tokens[start][0] == 'id' and re.fullmatch(r'[A-Z][A-Z0-9_]*', tokens[start][1]))):
        run.append((tokens[start], 0))
        start += 1
    return run


def check_c(path, text):
    tokens, ignored = tokenize(text)
    problems = []

    def report(call_line, lit_line, what, literal):
        if {call_line, call_line - 1, lit_line, lit_line - 1} & ignored:
            return
        problems.append((path, lit_line, f'{what}: "{literal[:60]}" is not marked with _()'))

    in_app = path.replace(os.sep, '/').startswith('ui/')
    funcs = dict(USER_FUNCS, **UI_FUNCS) if in_app else USER_FUNCS
    for i, (kind, value, line) in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ('', '', 0)
        if kind != 'id':
            continue
        if in_app and value == 'return' and nxt[0] == 'str':
            # return "Some words"; (an icon name or an id has no space)
            end = i + 1
            while end < len(tokens) and tokens[end][:2] != ('p', ';'):
                end += 1
            for lit_line, literal in unmarked_literals([(t, 0) for t in tokens[i + 1:end]]):
                if ' ' in literal.strip():
                    report(line, lit_line, 'return', literal)
            continue
        if nxt[:2] == ('p', '(') and value in PROPERTY_FUNCS:
            args, _ = split_group(tokens, i + 1)
            for k in range(PROPERTY_FUNCS[value], len(args) - 1, 2):
                key = args[k]
                if len(key) == 1 and key[0][0][0] == 'str' and key[0][0][1] in TEXT_PROPERTIES:
                    for lit_line, literal in unmarked_literals(args[k + 1]):
                        report(line, lit_line, f'{value} "{key[0][0][1]}"', literal)
            continue
        if nxt[:2] == ('p', '(') and value not in NOT_USER_FUNCS and (
                value in funcs or value in PAIRED_FUNCS or USER_FUNC_RE.match(value)):
            prev = tokens[i - 1] if i > 0 else ('', '', 0)
            if prev[0] == 'id' and prev[1] not in ('return', 'else'):
                continue  # a declaration or definition: "int hapctl_usage (…"
            args, _ = split_group(tokens, i + 1)
            first = args[funcs.get(value, 1)] if len(args) > funcs.get(value, 1) else []
            if first and first[0][0][0] == 'str' and first[0][0][1].lstrip().startswith('{'):
                continue  # JSON for programs: its values ("true", tokens) are not text either
            parts = args[funcs.get(value, 1):]
            if value in PAIRED_FUNCS:
                parts = args[PAIRED_FUNCS[value] + 1::2]
            for part in parts:
                for lit_line, literal in unmarked_literals(part):
                    report(line, lit_line, value, literal)
        elif HELP_VARIABLE_RE.search(value) and tokens[i - 1][1] not in ('.', '>'):
            # NAME[] = "…" or NAME = "…" (not a struct field's use: x.usage, x->usage)
            j = i + 1
            if tokens[j][:2] == ('p', '[') and tokens[j + 1][:2] == ('p', ']'):
                j += 2
            if tokens[j][:2] == ('p', '=') and tokens[j + 1][0] == 'str':
                for lit_line, literal in unmarked_literals(_literal_run(tokens, j + 1)):
                    report(line, lit_line, value, literal)
        elif value in TABLE_FIELDS:
            # TYPE name[] = { { …fields… }, … };
            j = i + 1
            while j < len(tokens) and tokens[j][:2] != ('p', '=') and tokens[j][:2] != ('p', ';'):
                j += 1
            if j + 1 >= len(tokens) or tokens[j][:2] != ('p', '=') or tokens[j + 1][:2] != ('p', '{'):
                continue
            rows, _ = split_group(tokens, j + 1)
            for row in rows:
                inner = [t for t, d in row if d >= 1]
                if not inner:
                    continue
                start = next(k for k, (t, d) in enumerate(row) if t[:2] == ('p', '{'))
                fields, _ = split_group([t for t, d in row], start)
                for index in TABLE_FIELDS[value]:
                    if index < len(fields):
                        for lit_line, literal in unmarked_literals(fields[index]):
                            report(lit_line, lit_line, f'{value} field {index}', literal)
    marks = any(k == 'id' and v in MARKERS and j + 1 < len(tokens) and tokens[j + 1][:2] == ('p', '(')
                for j, (k, v, _) in enumerate(tokens))
    return problems, marks


UI_ELEMENT = re.compile(r'<(property|attribute)\s+([^>]*?)name="([\w-]+)"([^>]*)>([^<]*)</\1>'
                        r'|<item(\s[^>]*)?>([^<]*)</item>', re.S)


def check_ui(path, text):
    problems, marks = [], False
    for m in UI_ELEMENT.finditer(text):
        line = text.count('\n', 0, m.start()) + 1
        if m.group(1):
            kind, name, attrs, content = m.group(1), m.group(3), m.group(2) + m.group(4), m.group(5)
            shown = (name in UI_TEXT_PROPERTIES if kind == 'property' else name == 'label')
        else:
            name, attrs, content, shown = 'item', m.group(6) or '', m.group(7), True
        if 'translatable="yes"' in attrs:
            marks = True
            continue
        if shown and re.search(r'[A-Za-z]{2,}', content) and IGNORE not in text[m.end():m.end() + 80].split('\n')[0]:
            problems.append((path, line, f'<{name}> "{content.strip()[:60]}" has no translatable="yes"'))
    return problems, marks


def check_file(path, text):
    return check_ui(path, text) if path.endswith('.ui') else check_c(path, text)


def read_potfiles(srcdir):
    with open(os.path.join(srcdir, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        return [l.strip() for l in f if l.strip() and not l.startswith('#')]


def check_tree(srcdir):
    problems = []
    potfiles = read_potfiles(srcdir)
    for name in potfiles:
        if not os.path.isfile(os.path.join(srcdir, name)):
            problems.append(('po/POTFILES.in', 0, f'{name} does not exist'))
    scanned = [f for f in SCANNED_FILES if os.path.isfile(os.path.join(srcdir, f))]
    for d in filter(lambda d: os.path.isdir(os.path.join(srcdir, d)), SCANNED_DIRS):
        scanned += sorted(os.path.join(d, f) for f in os.listdir(os.path.join(srcdir, d))
                          if f.endswith(('.c', '.ui')))
    for name in scanned:
        with open(os.path.join(srcdir, name), encoding='utf-8') as f:
            found, marks = check_file(name, f.read())
        problems += found
        if marks and name not in potfiles:
            problems.append(('po/POTFILES.in', 0, f'{name} marks strings but is not listed'))
    return problems, len(scanned)


def self_test(fixtures):
    failures = 0
    for name in sorted(os.listdir(fixtures)):
        path = os.path.join(fixtures, name)
        with open(path, encoding='utf-8') as f:
            text = f.read()
        expected = [n + 1 for n, l in enumerate(text.split('\n')) if 'expect-flag' in l]
        # ui-*.c fixtures are checked as the app's sources (the rules for ui/ apply)
        found, _ = check_file('ui/' + name if name.startswith('ui-') else name, text)
        lines = sorted(line for _, line, _ in found)
        ok = lines == expected
        failures += not ok
        print(f'{"ok" if ok else "not ok"} - {name}: flagged lines {lines}, expected {expected}')
        for p in found:
            print(f'#   {p[0]}:{p[1]}: {p[2]}')
    # The POTFILES rules, on a tree made here: a listed file that is gone, a file that
    # marks strings but is not listed.
    with tempfile.TemporaryDirectory() as tree:
        os.makedirs(os.path.join(tree, 'po'))
        os.makedirs(os.path.join(tree, 'ui'))
        with open(os.path.join(tree, 'po', 'POTFILES.in'), 'w', encoding='utf-8') as f:
            f.write('# a comment\nui/gone.c\n')
        with open(os.path.join(tree, 'ui', 'marked.c'), 'w', encoding='utf-8') as f:
            f.write('void f (void) { gtk_label_set_text (label, _("Paired")); }\n')
        found, _ = check_tree(tree)
        messages = sorted(message for _, _, message in found)
        expected = ['ui/gone.c does not exist', 'ui/marked.c marks strings but is not listed']
        ok = messages == expected
        failures += not ok
        print(f'{"ok" if ok else "not ok"} - POTFILES.in rules: {messages}')
    return failures


def main(argv):
    if len(argv) == 3 and argv[1] == '--self-test':
        return 1 if self_test(argv[2]) else 0
    if len(argv) != 2:
        print('usage: check-i18n.py SRCDIR | --self-test FIXTURE_DIR', file=sys.stderr)
        return 2
    problems, count = check_tree(argv[1])
    for path, line, message in problems:
        print(f'{path}:{line}: {message}')
    print(f'{count} files checked, {len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
