#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fails if a file of the source tree cites a document a reader cannot follow (issue 16).

Usage: check-protocol-citations.py SOURCE_ROOT

- Nothing may cite the private fact sheets the code was first written from (the names
  are in PRIVATE): they are not part of this repository. Cite our own summaries
  (docs/protocol.md, docs/bluez.md, simulator/QUIRKS.md…) or Apple's specification
  ("HAP §…") instead. A name that resolves to a file of the tree, written as a path
  from the source root or from the citing file, is not such a citation.
- Every section cited as "docs/protocol.md §N.M" or "docs/bluez.md §N.M" (also "§A, §B",
  "§A–§B", "§A/§B", and citations wrapped onto the next comment line) must be a heading
  "§N.M" of that page.
Build directories (names starting with "_" or "."), binary files and this script are
not read.
"""

import os
import re
import sys

# Split, so that this script does not cite them itself.
PRIVATE = ['hap-protocol' + '.md', 'ble-bluez' + '.md', 'device-quirks' + '.md',
           'flatpak' + '.md', 'desktop' + '.md']
# A private name, with the path it is written with; not the tail of a longer name (but
# possibly right after a string's "\n").
OLD = re.compile(r'(?:(?<![\w.-])|(?<=\\[nt]))((?:[\w.-]+/)*)(' + '|'.join(re.escape(n) for n in PRIVATE) + r')\b')
PAGES = ['docs/protocol.md', 'docs/bluez.md']
# After the file name: an optional closing quote, then §-numbers joined by commas,
# dashes, slashes, "and", white space and comment leaders of a wrapped line.
SECTIONS = re.compile(r'''[`'"]?((?:(?:[\s,/–-]|\band\b|\n\s*(?:\*|#|//|<!--)?)*§\d+(?:\.\d+)*)+)''')
NUMBER = re.compile(r'§(\d+(?:\.\d+)*)')
HEADING = re.compile(r'^#{2,4} §(\d+(?:\.\d+)*)\s', re.M)


def source_files(root):
    me = os.path.abspath(__file__)
    for top, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(('.', '_')) and d != 'node_modules')
        for name in sorted(files):
            path = os.path.join(top, name)
            if os.path.abspath(path) == me or os.path.islink(path):
                continue
            try:
                with open(path, encoding='utf-8') as f:
                    yield path, f.read()
            except (UnicodeDecodeError, OSError):
                continue


def in_tree(root, path, written):
    """Whether @written, cited in @path, names a file of the tree under @root."""
    top = os.path.realpath(root)
    for base in (top, os.path.dirname(os.path.realpath(path))):
        target = os.path.realpath(os.path.join(base, written))
        if target.startswith(top + os.sep) and os.path.isfile(target):
            return True
    return False


def read_sections(root, page):
    path = os.path.join(root, page)
    try:
        with open(path, encoding='utf-8') as f:
            sections = set(HEADING.findall(f.read()))
    except OSError as e:
        raise SystemExit(f'check-protocol-citations: cannot read {path}: {e}')
    if not sections:
        raise SystemExit(f'check-protocol-citations: no "§N" headings in {path}')
    return sections


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    try:
        pages = {page: read_sections(root, page) for page in PAGES}
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 1

    problems = []
    cited = dict.fromkeys(PAGES, 0)
    for path, text in source_files(root):
        rel = os.path.relpath(path, root)
        for m in OLD.finditer(text):
            if in_tree(root, path, m.group(1) + m.group(2)):
                continue
            line = text.count('\n', 0, m.start()) + 1
            problems.append(f'{rel}:{line}: cites {m.group(2)}, which is not in this repository')
        for page, sections in pages.items():
            for m in re.finditer(re.escape(page), text):
                after = SECTIONS.match(text, m.end())
                if after is None:
                    continue
                line = text.count('\n', 0, m.start()) + 1
                for number in NUMBER.findall(after.group(1)):
                    cited[page] += 1
                    if number not in sections:
                        problems.append(f'{rel}:{line}: {page} has no section §{number}')

    for p in problems:
        print(p)
    for page, sections in pages.items():
        print(f'# {cited[page]} citations of {page} checked against {len(sections)} sections')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
