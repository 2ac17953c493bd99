#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fails if a file of the source tree cites a protocol document a reader cannot follow
(issue 16).

Usage: check-protocol-citations.py SOURCE_ROOT

- Nothing may cite "hap-protocol.md" any more: it was a private fact sheet, not part of
  this repository. Cite docs/protocol.md (our own summary) or Apple's specification
  ("HAP §…") instead.
- Every section cited as "docs/protocol.md §N.M" (also "§A, §B", "§A–§B", "§A/§B", and
  citations wrapped onto the next comment line) must be a heading "§N.M" of
  docs/protocol.md.
Build directories (names starting with "_" or "."), binary files and this script are
not read.
"""

import os
import re
import sys

OLD = 'hap-protocol' + '.md'   # split, so that this script does not cite it itself
CITE = re.compile(r'docs/protocol\.md')
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


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = argv[1]
    doc = os.path.join(root, 'docs', 'protocol.md')
    try:
        with open(doc, encoding='utf-8') as f:
            sections = set(HEADING.findall(f.read()))
    except OSError as e:
        print(f'check-protocol-citations: cannot read {doc}: {e}', file=sys.stderr)
        return 1
    if not sections:
        print(f'check-protocol-citations: no "§N" headings in {doc}', file=sys.stderr)
        return 1

    problems = []
    cited = 0
    for path, text in source_files(root):
        rel = os.path.relpath(path, root)
        for m in re.finditer(re.escape(OLD), text):
            line = text.count('\n', 0, m.start()) + 1
            problems.append(f'{rel}:{line}: cites {OLD}, which is not in this repository')
        for m in CITE.finditer(text):
            after = SECTIONS.match(text, m.end())
            if after is None:
                continue
            line = text.count('\n', 0, m.start()) + 1
            for number in NUMBER.findall(after.group(1)):
                cited += 1
                if number not in sections:
                    problems.append(f'{rel}:{line}: docs/protocol.md has no section §{number}')

    for p in problems:
        print(p)
    print(f'# {cited} citations of docs/protocol.md checked against {len(sections)} sections')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
