#!/usr/bin/python3
"""Writes CI's variant of the Flatpak manifest: the same manifest with only the source
locations changed, so that it builds without the internet.

  ci-manifest.py MANIFEST --debian-sources      the Debian source packages to fetch
  ci-manifest.py MANIFEST SOURCES_DIR OUTPUT    the variant, into OUTPUT

Each archive source NAME-VERSION.tar.EXT from upstream becomes Debian's
SOURCES_DIR/NAME_VERSION.orig.tar.EXT (the upstream names are Debian's source package
names), with that file's checksum: Debian's .orig is upstream's tarball for some modules
but not all (libsodium's has no configure script), so the manifest's upstream checksums
cannot be used as they are. Relative "dir" paths are made absolute, since the variant is
written elsewhere. Anything else in the manifest is copied unchanged."""
import hashlib, json, os, re, sys

ARCHIVE = re.compile(r"^(?P<name>[A-Za-z0-9.+-]+?)-(?P<version>[0-9][A-Za-z0-9.+~]*)\.(?P<ext>tar\.(gz|bz2|xz))$")


def load(path):
    """The manifest without its /* */ comments (flatpak-builder's JSON parser allows them;
    Python's does not). No string in the manifest contains "/*"."""
    text = open(path, encoding="utf-8").read()
    return json.loads(re.sub(r"/\*.*?\*/", "", text, flags=re.S))


def archives(manifest):
    """(source dict, upstream file name match) for every archive source, in order."""
    for module in manifest["modules"]:
        for source in module.get("sources", []):
            if source.get("type") == "archive":
                m = ARCHIVE.match(os.path.basename(source["url"]))
                if m is None:
                    sys.exit(f"ci-manifest: {source['url']}: not NAME-VERSION.tar.EXT")
                yield source, m


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main(argv):
    if len(argv) == 3 and argv[2] == "--debian-sources":
        print(" ".join(m["name"] for _, m in archives(load(argv[1]))))
        return 0
    if len(argv) != 4:
        sys.exit(__doc__)
    manifest_path, sources_dir, output = argv[1:]
    manifest = load(manifest_path)
    for source, m in archives(manifest):
        orig = os.path.join(os.path.abspath(sources_dir), f"{m['name']}_{m['version']}.orig.{m['ext']}")
        if not os.path.exists(orig):
            sys.exit(f"ci-manifest: {orig} is missing: Debian has no {m['name']} {m['version']} "
                     f"as the manifest asks (apt-get source {m['name']} gives another version?)")
        del source["url"]
        source["path"] = orig
        source["sha256"] = sha256(orig)
    base = os.path.dirname(os.path.abspath(manifest_path))
    for module in manifest["modules"]:
        for source in module.get("sources", []):
            if source.get("type") == "dir" and not os.path.isabs(source["path"]):
                source["path"] = os.path.normpath(os.path.join(base, source["path"]))
    with open(output, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
