#!/usr/bin/python3
"""The translation pipeline end to end (TAP): the template is extracted from
po/POTFILES.in with xgettext as meson's hap-simulator-pot target does (C sources, option
tables and .ui files alike), every po/LINGUAS catalog compiles with msgfmt --check, and the
programs built here speak German with LANGUAGE=de and the catalogs meson compiled into the
build tree (HAP_LOCALEDIR) -- and English without them.

Environment: HAP_SOURCE_ROOT, HAP_LOCALEDIR (BUILD/po), HAPCTL, HAP_SIMULATOR,
HAP_DESKTOP_FILE and HAP_METAINFO_FILE (as built, translations merged)."""
import os
import subprocess
import sys
import tempfile

SOURCE = os.environ['HAP_SOURCE_ROOT']
LOCALEDIR = os.environ['HAP_LOCALEDIR']
HAPCTL = os.environ['HAPCTL']
SIMULATOR = os.environ['HAP_SIMULATOR']
# meson's 'glib' preset for i18n.gettext (mesonbuild/modules/i18n.py)
XGETTEXT_ARGS = ['--from-code=UTF-8', '--add-comments', '--keyword=_', '--keyword=N_',
                 '--keyword=C_:1c,2', '--keyword=NC_:1c,2', '--keyword=g_dcgettext:2',
                 '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
                 '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format',
                 '--flag=NC_:2:pass-c-format', '--flag=g_dngettext:2:pass-c-format',
                 '--flag=g_strdup_printf:1:c-format', '--flag=g_string_printf:2:c-format',
                 '--flag=g_string_append_printf:2:c-format', '--flag=g_error_new:3:c-format',
                 '--flag=g_set_error:4:c-format', '--flag=g_markup_printf_escaped:1:c-format',
                 '--flag=g_log:3:c-format', '--flag=g_print:1:c-format',
                 '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
                 '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format',
                 '--flag=g_snprintf:3:c-format']

n = 0
failed = 0


def check(name, ok, detail=''):
    global n, failed
    n += 1
    failed += not ok
    print(f'{"ok" if ok else "not ok"} {n} - {name}')
    if not ok and detail:
        for line in str(detail).splitlines()[:20]:
            print(f'#   {line}')


_locale_dir = None


def german_locale():
    """A de_DE.UTF-8 locale made with localedef into a private LOCPATH: glibc ignores
    LANGUAGE in the C locale, and from Debian 13's glibc in C.UTF-8 as well, while CI
    machines generate no other locale."""
    global _locale_dir
    if _locale_dir is None:
        import tempfile
        import atexit
        import shutil
        _locale_dir = tempfile.mkdtemp(prefix='hap-locale-')
        atexit.register(shutil.rmtree, _locale_dir, True)
        # -c: localedef warns (and exits 1) about details of the source; the locale is made.
        subprocess.run(['localedef', '-c', '--no-archive', '-i', 'de_DE', '-f', 'UTF-8',
                        os.path.join(_locale_dir, 'de_DE.UTF-8')], capture_output=True, timeout=120)
        if not os.path.isfile(os.path.join(_locale_dir, 'de_DE.UTF-8', 'LC_MESSAGES', 'SYS_LC_MESSAGES')):
            raise RuntimeError('localedef could not make de_DE.UTF-8 (package locales)')
    return _locale_dir


def run(argv, language=None, localedir=LOCALEDIR):
    env = dict(os.environ)
    for key in ('LANGUAGE', 'LANG', 'LC_ALL', 'LC_MESSAGES', 'LOCPATH'):
        env.pop(key, None)
    env['LC_ALL'] = 'C.UTF-8'
    if language:
        env['LOCPATH'] = german_locale()
        env['LC_ALL'] = 'de_DE.UTF-8'
        env['LANGUAGE'] = language
    env['HAP_LOCALEDIR'] = localedir
    # A private session bus address that does not exist: ctl fails fast if it gets that far.
    env['DBUS_SESSION_BUS_ADDRESS'] = 'unix:path=/nonexistent/bus'
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)


def msgids(pot):
    ids, current = set(), None
    for line in pot.splitlines():
        if line.startswith('msgid '):
            current = [line[6:]]
        elif current is not None and line.startswith('"'):
            current.append(line)
        elif current is not None:
            ids.add(''.join(eval(part) for part in current))
            current = None
    return ids


with tempfile.TemporaryDirectory() as tmp:
    pot_path = os.path.join(tmp, 'hap-simulator.pot')
    r = subprocess.run(['xgettext', *XGETTEXT_ARGS, '--package-name=hap-simulator',
                        '--directory=' + SOURCE, '--files-from=' + os.path.join(SOURCE, 'po', 'POTFILES.in'),
                        '-o', pot_path], capture_output=True, text=True)
    check('xgettext extracts the template from po/POTFILES.in', r.returncode == 0 and os.path.exists(pot_path),
          r.stderr)
    pot = open(pot_path, encoding='utf-8').read() if os.path.exists(pot_path) else ''
    ids = msgids(pot)
    check('the template holds the app and the CLIs (over 400 messages)', len(ids) > 400, len(ids))
    for msgid, where in [('hapctl: unknown command “%s” (see hapctl --help)\n', 'a CLI message'),
                         ('Print JSON', 'a GOptionEntry description (N_)'),
                         ('no command given', 'a ctl usage error'),
                         ('paired controllers: id, admin, key fingerprint, when added', 'a ctl command summary'),
                         ('Paired Controllers', 'a .ui property'),
                         ('All Sessions', 'a .ui string list item'),
                         ('Delete “%s”?', 'a dialog heading in C'),
                         ('HomeKit Accessory Simulator', 'the desktop file'),
                         ('First release: the SDK, the headless simulator and the desktop app.',
                          'the metainfo')]:
        check(f'the template has {where}: {msgid.strip()!r}', msgid in ids)

    with open(os.path.join(SOURCE, 'po', 'LINGUAS'), encoding='utf-8') as f:
        languages = [w for line in f if not line.startswith('#') for w in line.split()]
    for lang in languages:
        po = os.path.join(SOURCE, 'po', lang + '.po')
        r = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po],
                           capture_output=True, text=True)
        check(f'po/{lang}.po compiles with msgfmt --check', r.returncode == 0, r.stderr)
        mo = os.path.join(LOCALEDIR, lang, 'LC_MESSAGES', 'hap-simulator.mo')
        check(f'meson compiled {lang} into the build tree', os.path.isfile(mo), mo)

    # The desktop file and the metainfo carry the translations (msgfmt merged them).
    desktop = open(os.environ['HAP_DESKTOP_FILE'], encoding='utf-8').read()
    check('the desktop file has the German comment and keywords',
          'Comment[de]=Virtuelles HomeKit-Zubehör betreiben, koppeln, untersuchen und gezielt stören\n' in desktop
          and 'Keywords[de]=HomeKit;HAP;Zubehör;Simulator;IoT;Smart Home;\n' in desktop
          and 'Comment=Run, pair, inspect and break virtual HomeKit accessories\n' in desktop, desktop)
    metainfo = open(os.environ['HAP_METAINFO_FILE'], encoding='utf-8').read()
    check('the metainfo has the German summary next to the English one',
          '<summary xml:lang="de">Virtuelles HomeKit-Zubehör betreiben' in metainfo
          and '<summary>Run, pair, inspect and break virtual HomeKit accessories</summary>' in metainfo,
          metainfo)

    # At run time: German where translated, English without the catalog or LANGUAGE.
    r = run([HAPCTL, 'frobnicate'], 'de')
    check('hapctl: an error in German with LANGUAGE=de',
          r.returncode == 2 and 'hapctl: unbekannter Befehl „frobnicate“ (siehe hapctl --help)' in r.stderr,
          r.stderr)
    r = run([HAPCTL, 'frobnicate'])
    check('hapctl: the same error in English without LANGUAGE',
          r.returncode == 2 and 'hapctl: unknown command “frobnicate” (see hapctl --help)' in r.stderr, r.stderr)
    r = run([HAPCTL, 'frobnicate'], 'de', localedir=tmp)
    check('hapctl: English when the catalog is not where HAP_LOCALEDIR says',
          r.returncode == 2 and 'unknown command' in r.stderr, r.stderr)
    r = run([HAPCTL, '--help'], 'de')
    check('hapctl --help: option descriptions (N_) and the parameter string in German',
          r.returncode == 0 and 'JSON ausgeben' in r.stdout and 'BEFEHL … - HomeKit-Zubehör steuern' in r.stdout,
          r.stdout + r.stderr)
    r = run([SIMULATOR, 'ctl'], 'de')
    check('hap-simulator ctl: a usage error in German',
          r.returncode == 2 and 'hap-simulator ctl: kein Befehl angegeben' in r.stderr
          and '„hap-simulator ctl --help“ liefert weitere Informationen.' in r.stderr, r.stderr)
    r = run([SIMULATOR, 'ctl', 'frobnicate'], 'de')
    check('hap-simulator ctl: an unknown command in German',
          r.returncode == 2 and 'unbekannter Befehl „frobnicate“' in r.stderr, r.stderr)
    r = run([SIMULATOR, 'ctl', '--help'], 'de')
    check('hap-simulator ctl --help: untranslated text stays English, JSON-free',
          r.returncode == 0 and 'Examples:' in r.stdout and 'ctl set ' in r.stdout, r.stdout + r.stderr)

print(f'1..{n}')
sys.exit(1 if failed else 0)
