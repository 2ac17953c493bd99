#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fails if a source file of the simulator, the app or hapctl includes an SDK header
that is not installed (issue 16: they are built on the public API only).

Usage: check-public-includes.py SOURCE_ROOT SDK_DIR HEADER... -- DIR...

HEADER... are the installed public headers' file names; DIR... the directories (relative
to SOURCE_ROOT) whose .c and .h files are checked. An include is accepted when it is
  - <libhap-glib/NAME> with NAME installed,
  - "NAME" for a file of the checked directories themselves (their own headers),
  - anything else that is not the name of an SDK header (system and other libraries,
    generated resource headers).
Anything else that names a header of SDK_DIR is reported with its file and line.
Tests of internals (tests/) are not checked: they may include private headers.
"""

import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def main(argv):
    if '--' not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    sep = argv.index('--')
    root, sdk_dir, installed = argv[1], argv[2], set(argv[3:sep])
    dirs = argv[sep + 1:]
    if not installed or not dirs:
        print('check-public-includes: no installed headers or no directories given',
              file=sys.stderr)
        return 2

    sdk_headers = {n for n in os.listdir(sdk_dir) if n.endswith('.h')}
    own = set()
    sources = []
    for d in dirs:
        for base, _, names in os.walk(os.path.join(root, d)):
            for name in names:
                if name.endswith('.h'):
                    own.add(name)
                if name.endswith(('.c', '.h')):
                    sources.append(os.path.join(base, name))

    problems = []
    for path in sorted(sources):
        with open(path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                base = os.path.basename(name)
                rel = os.path.relpath(path, root)
                if name.startswith('libhap-glib/'):
                    if base not in installed:
                        problems.append(f'{rel}:{lineno}: <{name}> is not an installed header')
                elif kind == '"' and name in own:
                    continue
                elif base in sdk_headers:
                    what = 'a private SDK header' if base not in installed else \
                        f'an SDK header included as "{name}" (use <libhap-glib/hap.h>)'
                    problems.append(f'{rel}:{lineno}: {name} is {what}')

    for p in problems:
        print(p)
    print(f'# checked {len(sources)} files in {", ".join(dirs)}: '
          f'{len(problems)} include(s) outside the public API')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
