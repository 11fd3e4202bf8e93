#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The package as an operator gets it, checked by the real tools.

`build` (the CTest fixture) runs CPack for the .deb and the .tar.gz into OUT and extracts the .deb into
OUT/root with dpkg-deb -x; every other check reads OUT. Each check prints what it looked at and exits 1
with the reason when something is wrong.
"""
import argparse
import glob
import gzip
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET

APP_ID = "io.github.certrotor.CertRotor"
ICON_SIZES = [16, 22, 24, 32, 48, 64, 128, 256, 512]


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


def run(cmd, timeout=120, env=None, **kw):
    started = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, **kw)
    return p, time.monotonic() - started


def only(pattern):
    found = glob.glob(pattern)
    check(len(found) == 1, f"expected one {pattern}, found {found}")
    return found[0]


def clean_env():
    env = dict(os.environ)
    env.pop("CERTROTOR_HELPER_DIR", None)  # the helpers must be found relative to the program
    return env


def deb(a):
    return only(os.path.join(a.out, f"certrotor_{a.version}-*_*.deb"))


def root(a):
    return os.path.join(a.out, "root")


def build(a):
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    p, secs = run([a.cpack, "--config", a.cpack_config, "-G", "DEB;TGZ", "-B", a.out], timeout=110)
    print(p.stdout, p.stderr)
    check(p.returncode == 0, f"cpack failed ({p.returncode})")
    print(f"cpack -G 'DEB;TGZ': {secs:.2f} s")
    p, _ = run(["dpkg-deb", "-x", deb(a), root(a)])
    check(p.returncode == 0, f"dpkg-deb -x failed: {p.stderr}")


def lintian(a):
    # One run shows everything (info tags and the overrides used too); errors and warnings fail.
    p, secs = run(["lintian", "--display-info", "--show-overrides", "--fail-on", "none", deb(a)])
    print(p.stdout, p.stderr, f"lintian: {secs:.2f} s", sep="\n")
    check(p.returncode == 0, f"lintian could not check the package (exit {p.returncode})")
    tags = [line for line in p.stdout.splitlines() if re.match(r"^[EW]: ", line)]
    check(not tags, "lintian errors or warnings:\n" + "\n".join(tags))
    # Every override is justified in the file and listed in the README's Install section.
    readme = open(os.path.join(a.source, "README.md"), encoding="utf-8").read()
    overrides = open(os.path.join(a.source, "installer/debian/lintian-overrides"), encoding="utf-8").read()
    for tag in re.findall(r"^certrotor: ([a-z0-9-]+)", overrides, re.M):
        check(tag in readme, f"the lintian override {tag} is not listed in README.md")
        print(f"override {tag}: listed in README.md")
    check(re.search(r"^O: certrotor: ", p.stdout, re.M) or "certrotor:" not in overrides,
          "lintian did not read the package's overrides")


def desktop_entry(a):
    path = os.path.join(root(a), "usr/share/applications", APP_ID + ".desktop")
    check(os.path.isfile(path), f"no desktop entry at {path}")
    p, _ = run(["desktop-file-validate", path])
    print(p.stdout, p.stderr)
    check(p.returncode == 0 and not (p.stdout + p.stderr).strip(), "desktop-file-validate is not silent")
    text = open(path, encoding="utf-8").read()
    check(re.search(r"^Exec=certrotor %F$", text, re.M), "Exec must run certrotor by name (no prefix baked in)")
    check(re.search(rf"^Icon={re.escape(APP_ID)}$", text, re.M), "Icon must be the app id")


def appstream(a):
    usr = os.path.join(root(a), "usr")
    metainfo = os.path.join(usr, "share/metainfo", APP_ID + ".metainfo.xml")
    for cmd in (["appstreamcli", "validate", "--no-net", "--strict", metainfo],
                ["appstreamcli", "validate-tree", "--no-net", "--strict", usr]):
        p, _ = run(cmd)
        print(" ".join(cmd), p.stdout, p.stderr, sep="\n")
        check(p.returncode == 0, f"{cmd[1]} failed")
    tree = ET.parse(metainfo).getroot()
    check(tree.findtext("id") == APP_ID, "the component id is the app id")
    check(tree.find("launchable").text == APP_ID + ".desktop", "launchable names the desktop entry")
    releases = tree.findall("releases/release")
    check(releases and releases[0].get("version") == a.version,
          f"the newest release in the metainfo must be {a.version} (the project's version)")
    check(releases[0].find("description") is not None, "the newest release has release notes")
    # Every screenshot is one of the README's, at its repository path.
    readme = open(os.path.join(a.source, "README.md"), encoding="utf-8").read()
    shots = [img.text for img in tree.findall("screenshots/screenshot/image")]
    check(len(shots) >= 1, "no screenshots")
    for url in shots:
        m = re.search(r"/main/(resources/screenshots/[^/]+\.png)$", url)
        check(m, f"screenshot URL {url} does not point at the repository's resources/screenshots")
        check(os.path.isfile(os.path.join(a.source, m.group(1))), f"{m.group(1)} is not in the repository")
        check(m.group(1) in readme, f"{m.group(1)} is not one of the README's screenshots")
    for path in re.findall(r"\((resources/screenshots/[^)]+\.png)\)", readme):
        check(any(url.endswith(path) for url in shots), f"the README's {path} is missing from the metainfo")


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    check(head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


def contents(a):
    r = root(a)
    expect_exec = ["usr/bin/certrotor", "usr/bin/certrotor-cli", "usr/libexec/certrotor/certrotor-drill-server",
                   "usr/libexec/certrotor/certrotor-drill-kubeapi"]
    for rel in expect_exec:
        path = os.path.join(r, rel)
        check(os.path.isfile(path) and os.access(path, os.X_OK), f"{rel} is missing or not executable")
    for size in ICON_SIZES:
        path = os.path.join(r, f"usr/share/icons/hicolor/{size}x{size}/apps/{APP_ID}.png")
        check(os.path.isfile(path), f"no {size}x{size} icon")
        check(png_size(path) == (size, size), f"the {size}x{size} icon is {png_size(path)}")
    svg = os.path.join(r, f"usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg")
    check(os.path.isfile(svg) and b"<svg" in open(svg, "rb").read(), "no scalable SVG icon")
    for page in ("certrotor", "certrotor-cli"):
        path = os.path.join(r, f"usr/share/man/man1/{page}.1.gz")
        check(os.path.isfile(path), f"no man page {page}(1)")
        text = gzip.open(path).read().decode("utf-8")
        th = re.escape(page.upper().replace("-", "\\-"))
        check(re.search(rf'^\.TH {th} 1 .*"certrotor {re.escape(a.version)}"', text, re.M),
              f"{page}(1) has no .TH line with the version {a.version}")
    completion = os.path.join(r, "usr/share/bash-completion/completions/certrotor-cli")
    check(os.path.isfile(completion) and "complete -F _certrotor_cli certrotor-cli" in open(completion).read(),
          "no bash completion for certrotor-cli")
    for rel in ("usr/share/doc/certrotor/copyright", "usr/share/doc/certrotor/changelog.Debian.gz",
                f"usr/share/metainfo/{APP_ID}.metainfo.xml", f"usr/share/applications/{APP_ID}.desktop"):
        check(os.path.isfile(os.path.join(r, rel)), f"{rel} is missing")
    # Depends were computed by dpkg-shlibdeps (a hand-typed list would not carry these versions).
    p, _ = run(["dpkg-deb", "-f", deb(a), "Depends", "Version"])
    print(p.stdout)
    for lib in ("libqt6core6 (>=", "libqt6widgets6 (>=", "libssl3 (>=", "libgrpc++1.51 (>=", "libc6 (>="):
        check(lib in p.stdout, f"Depends lacks {lib}")
    # ... plus the one plugin package shlibdeps cannot see (the console's SVG icons).
    check(re.search(r"^Depends: libqt6svg6, ", p.stdout, re.M), "Depends lacks libqt6svg6 (Qt's SVG plugins)")
    check(re.search(rf"^Version: {re.escape(a.version)}-\d+$", p.stdout, re.M), "Version is not <project>-<rev>")
    print("contents: programs, helpers, icons", ICON_SIZES, "+ SVG, man pages, completion, docs: present")


def no_build_paths(a):
    needles = {os.path.realpath(a.source).encode(), os.path.realpath(a.build).encode()}
    hits = []
    count = 0
    for base in (root(a),):
        for dirpath, _, files in os.walk(base):
            for name in files:
                path = os.path.join(dirpath, name)
                data = open(path, "rb").read()
                if path.endswith(".gz"):
                    data = gzip.decompress(data)
                count += 1
                for needle in needles:
                    if needle in data:
                        hits.append(f"{os.path.relpath(path, base)} contains {needle.decode()}")
    print(f"{count} files searched for {sorted(n.decode() for n in needles)}")
    check(not hits, "build-tree paths baked into the package:\n" + "\n".join(hits))


def drill_from(bin_dir, label):
    env = clean_env()
    cli = os.path.join(bin_dir, "certrotor-cli")
    p, _ = run([cli, "--version"], env=env)
    check(p.returncode == 0 and p.stdout.startswith("certrotor-cli "), f"{label}: --version failed: {p.stderr}")
    print(p.stdout.strip())
    p, secs = run([cli, "drill", "--json"], env=env, timeout=60)
    check(p.returncode == 0, f"{label}: drill exited {p.returncode}:\n{p.stderr}\n{p.stdout}")
    report = json.loads(p.stdout)
    check(report.get("ok") is True, f"{label}: the drill's report is not ok")
    steps = report.get("steps", [])
    check(len(steps) == 9, f"{label}: the drill ran {len(steps)} steps, not 9")
    print(f"{label}: drill ok, {len(steps)} steps, {secs:.2f} s (process start to exit)")
    return p


def extracted_drill(a):
    p, _ = run([os.path.join(root(a), "usr/bin/certrotor-cli"), "--version"], env=clean_env())
    check(p.stdout.startswith(f"certrotor-cli {a.version} "), f"--version says {p.stdout!r}, not {a.version}")
    env = clean_env()
    env["QT_QPA_PLATFORM"] = "offscreen"  # the console needs a display even for --version
    p, _ = run([os.path.join(root(a), "usr/bin/certrotor"), "--version"], env=env)
    check(p.returncode == 0 and p.stdout.strip() == f"certrotor {a.version}",
          f"certrotor --version says {p.stdout!r} (exit {p.returncode}): {p.stderr}")
    print(p.stdout.strip())
    drill_from(os.path.join(root(a), "usr/bin"), "extracted .deb")


def helpers_relative(a):
    # A copy of the extracted tree without its helpers: the drill must say the helper is missing from *that*
    # tree (so the drill above used the package's helpers, not the build tree's).
    copy = os.path.join(a.out, "no-helpers")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root(a), copy, symlinks=True)
    shutil.rmtree(os.path.join(copy, "usr/libexec/certrotor"))
    p, _ = run([os.path.join(copy, "usr/bin/certrotor-cli"), "drill"], env=clean_env(), timeout=60)
    print(p.stdout, p.stderr)
    check(p.returncode == 2, f"drill without helpers exited {p.returncode}, not 2")
    want = os.path.join(copy, "usr/libexec/certrotor/certrotor-drill-server")
    check(want in p.stdout + p.stderr, f"the error does not name {want}")
    shutil.rmtree(copy)


def tarball(a):
    tgz = only(os.path.join(a.out, f"certrotor-{a.version}-Linux-*.tar.gz"))
    top = os.path.basename(tgz)[: -len(".tar.gz")]
    with tarfile.open(tgz) as t:
        names = set(t.getnames())
        for rel in ("bin/certrotor", "bin/certrotor-cli", "libexec/certrotor/certrotor-drill-server",
                    "libexec/certrotor/certrotor-drill-kubeapi", "share/man/man1/certrotor-cli.1.gz",
                    f"share/applications/{APP_ID}.desktop", "share/bash-completion/completions/certrotor-cli"):
            check(f"{top}/{rel}" in names, f"{top}/{rel} is not in {tgz}")
        dest = os.path.join(a.out, "tgz")
        shutil.rmtree(dest, ignore_errors=True)
        t.extractall(dest)
    drill_from(os.path.join(dest, top, "bin"), "extracted .tar.gz")
    shutil.rmtree(dest)


CHECKS = {"build": build, "lintian": lintian, "desktop-entry": desktop_entry, "appstream": appstream,
          "contents": contents, "no-build-paths": no_build_paths, "extracted-drill": extracted_drill,
          "helpers-relative": helpers_relative, "tarball": tarball}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("check", choices=sorted(CHECKS))
    parser.add_argument("--out", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--cpack")
    parser.add_argument("--cpack-config")
    a = parser.parse_args()
    try:
        CHECKS[a.check](a)
    except Failure as e:
        print(f"FAIL {a.check}: {e}", file=sys.stderr)
        return 1
    print(f"PASS {a.check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
