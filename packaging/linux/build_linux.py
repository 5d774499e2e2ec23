"""Linux packages from the PyInstaller bundle: a .deb and a .tar.gz.

Called by packaging/build.py (``build_deb`` / ``build_tarball``); usable on its own::

    uv run python packaging/linux/build_linux.py dist/sds-desktop --version 0.1.0 --out dist

The .deb installs the bundle to /opt/sds-desktop, a launcher to /usr/bin/sds-desktop, and
the desktop entry, AppStream metainfo and hicolor icons under /usr/share. No maintainer
scripts: dpkg triggers of hicolor-icon-theme / desktop-file-utils refresh the caches, and
``dpkg -r`` removes every file it installed. Depends is computed by dpkg-shlibdeps from
the bundle's ELF files (system libraries the spec leaves out of the bundle).
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
ICONS = ROOT / "resources" / "icons"
APP_ID = "edu.nd.crc.sdsdesktop"
PACKAGE = "sds-desktop"
INSTALL_DIR = "/opt/sds-desktop"
MAINTAINER = "SDS Desktop developers <sds-desktop@users.noreply.github.com>"
# Used when dpkg-shlibdeps is unavailable: what the bundle links from the system.
FALLBACK_DEPENDS = (
    "libc6 (>= 2.34), libstdc++6, libgcc-s1, zlib1g, libglib2.0-0, libdbus-1-3, "
    "libfontconfig1, libfreetype6, libx11-6, libx11-xcb1, libxcb1, libxkbcommon0, "
    "libxkbcommon-x11-0, libwayland-client0, libwayland-cursor0, libwayland-egl1, "
    "libegl1, libgl1, tzdata"
)
# Loaded with dlopen() by Qt, so dpkg-shlibdeps cannot see them; tzdata for zoneinfo.
EXTRA_DEPENDS = ("libegl1", "libgl1", "libdbus-1-3", "libxkbcommon-x11-0", "tzdata")
RECOMMENDS = "gnome-keyring | kwalletmanager | keepassxc, xdg-desktop-portal"

LAUNCHER = f"""#!/bin/sh
# SDS Desktop launcher (installed by the sds-desktop package).
exec {INSTALL_DIR}/sds-desktop "$@"
"""

DESCRIPTION = """\
Description: desktop transfer client for the SpectrumX Data System
 SDS Desktop uploads and downloads files and folders to and from the
 SpectrumX Data System (SDS) gateway, with checksums verified on every
 transfer, a persistent transfer queue, and API keys kept in the system
 keyring. The application is a self-contained PyInstaller bundle in
 /opt/sds-desktop.
"""


def release_date() -> str:
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def metainfo_text(version: str) -> str:
    text = (HERE / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    return text.replace("@VERSION@", version).replace("@DATE@", release_date())


def install_share_files(prefix: Path, version: str) -> None:
    """Desktop entry, metainfo and hicolor icons under ``prefix`` (= .../usr/share)."""
    apps = prefix / "applications"
    apps.mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / f"{APP_ID}.desktop", apps / f"{APP_ID}.desktop")
    meta = prefix / "metainfo"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / f"{APP_ID}.metainfo.xml").write_text(metainfo_text(version), encoding="utf-8")
    for src in sorted((ICONS / "hicolor").rglob("sds-desktop.*")):
        dest = prefix / "icons" / "hicolor" / src.relative_to(ICONS / "hicolor")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)


def _write_gz(target: Path, text: str) -> None:
    """Reproducible gzip (no name, mtime 0), as Debian wants for docs and man pages."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as gz:
        gz.write(text.encode("utf-8"))


def install_docs(stage: Path, version: str) -> None:
    """copyright, changelog and the man page (Debian policy; `man sds-desktop`)."""
    doc = stage / "usr" / "share" / "doc" / PACKAGE
    doc.mkdir(parents=True, exist_ok=True)
    year = release_date()[:4]
    (doc / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: sds-desktop\n"
        "Source: https://sds.crc.nd.edu\n\n"
        f"Files: *\nCopyright: {year} SDS Desktop developers\nLicense: MIT\n"
        " Permission is hereby granted, free of charge, to any person obtaining a copy of\n"
        " this software, to deal in the Software without restriction, subject to the MIT\n"
        " licence conditions. The bundled third-party components (Python, Qt/PySide6 and\n"
        " the Python packages) keep their own licences; see\n"
        f" {INSTALL_DIR}/_internal/*.dist-info.\n",
        encoding="utf-8",
    )
    stamp = time.strftime(
        "%a, %d %b %Y %H:%M:%S +0000",
        time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))),
    )
    _write_gz(
        doc / "changelog.gz",
        f"{PACKAGE} ({version}) unstable; urgency=medium\n\n"
        f"  * Release {version}.\n\n -- {MAINTAINER}  {stamp}\n",
    )
    man = (HERE / "sds-desktop.1").read_text(encoding="utf-8").replace("@VERSION@", version)
    _write_gz(stage / "usr" / "share" / "man" / "man1" / "sds-desktop.1.gz", man)


def _elf_files(root: Path) -> list[Path]:
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                if fh.read(4) == b"\x7fELF":
                    out.append(path)
    return out


def shlib_depends(stage: Path, bundle_dir: Path) -> str:
    """Depends computed by dpkg-shlibdeps; libraries inside the bundle are private."""
    if not shutil.which("dpkg-shlibdeps"):
        print("dpkg-shlibdeps not found: using the fallback Depends list")
        return FALLBACK_DEPENDS
    stage, bundle_dir = stage.resolve(), bundle_dir.resolve()
    (stage / "DEBIAN").mkdir(exist_ok=True)  # lets dpkg-shlibdeps resolve $ORIGIN rpaths
    (stage / "debian").mkdir(exist_ok=True)
    (stage / "debian" / "control").write_text(
        f"Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n", encoding="utf-8"
    )
    private = sorted({str(p.parent) for p in bundle_dir.rglob("*.so*")} | {str(bundle_dir)})
    cmd = [
        "dpkg-shlibdeps",
        "-O",
        "--ignore-missing-info",
        "--warnings=0",
        *[f"-l{d}" for d in private],
        *[f"-e{p}" for p in _elf_files(bundle_dir)],
    ]
    result = subprocess.run(cmd, cwd=stage, capture_output=True, text=True, check=False)
    shutil.rmtree(stage / "debian")
    line = next((ln for ln in result.stdout.splitlines() if ln.startswith("shlibs:Depends=")), "")
    if result.returncode != 0 or not line:
        errors = [ln for ln in result.stderr.splitlines() if " error: " in ln]
        print("dpkg-shlibdeps failed, using the fallback Depends list:")
        for err in errors[:10]:
            print(f"  {err}")
        print("  (install the Qt runtime libraries on the build machine: see packaging/ci.sh)")
        return FALLBACK_DEPENDS
    deps = [d.strip() for d in line.split("=", 1)[1].split(",") if d.strip()]
    names = {d.split()[0] for d in deps}
    deps += [d for d in EXTRA_DEPENDS if d not in names]
    return ", ".join(deps)


def deb_arch() -> str:
    if shutil.which("dpkg"):
        out = subprocess.run(
            ["dpkg", "--print-architecture"], capture_output=True, text=True, check=False
        )
        if out.returncode == 0:
            return out.stdout.strip()
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def _du_kib(path: Path) -> int:
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return (total + 1023) // 1024


def build_deb(bundle: Path, version: str, out_dir: Path, work: Path) -> Path:
    """Build ``<out_dir>/sds-desktop_<version>_<arch>.deb`` from the one-folder bundle."""
    stage = work / "deb"
    if stage.exists():
        shutil.rmtree(stage)
    opt = stage / INSTALL_DIR.lstrip("/")
    shutil.copytree(bundle, opt, symlinks=True)
    usr_bin = stage / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    (usr_bin / PACKAGE).write_text(LAUNCHER, encoding="utf-8")
    (usr_bin / PACKAGE).chmod(0o755)
    install_share_files(stage / "usr" / "share", version)
    install_docs(stage, version)
    for path in opt.rglob("*.so*"):  # shared libraries need no exec bit (lintian)
        if path.is_file() and not path.is_symlink():
            path.chmod(0o644)
    arch = deb_arch()
    depends = shlib_depends(stage, opt)
    control = stage / "DEBIAN" / "control"
    control.parent.mkdir(exist_ok=True)
    control.write_text(
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {_du_kib(stage)}\n"
        f"Depends: {depends}\n"
        f"Recommends: {RECOMMENDS}\n"
        "Section: net\n"
        "Priority: optional\n"
        "Homepage: https://sds.crc.nd.edu\n" + DESCRIPTION,
        encoding="utf-8",
    )
    for path in stage.rglob("*"):  # dpkg-deb insists on sane permissions
        if path.is_dir():
            path.chmod(0o755)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE}_{version}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "-z6", "--build", str(stage), str(target)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"deb: {target} ({target.stat().st_size / 2**20:.1f} MiB)")
    print(f"  Depends: {depends}")
    return target


def build_tarball(bundle: Path, version: str, out_dir: Path) -> Path:
    """``sds-desktop-<version>-linux-<machine>.tar.gz``: the bundle plus share/ files.

    Unpack anywhere and run ``sds-desktop/sds-desktop``; ``share/`` holds the desktop
    entry, metainfo and icons for a per-user install (see packaging/README.md).
    """
    top = f"{PACKAGE}-{version}"
    target = out_dir / f"{top}-linux-{os.uname().machine}.tar.gz"
    work = out_dir / f".{top}-share"
    if work.exists():
        shutil.rmtree(work)
    install_share_files(work / "share", version)
    out_dir.mkdir(parents=True, exist_ok=True)

    def reset(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{top}/sds-desktop", filter=reset)
        tar.add(work / "share", arcname=f"{top}/share", filter=reset)
    shutil.rmtree(work)
    print(f"tarball: {target} ({target.stat().st_size / 2**20:.1f} MiB)")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the PyInstaller one-folder bundle")
    parser.add_argument("--version", required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build")
    parser.add_argument("--no-deb", action="store_true")
    parser.add_argument("--no-tarball", action="store_true")
    args = parser.parse_args(argv)
    if not args.no_deb:
        build_deb(args.bundle, args.version, args.out, args.work)
    if not args.no_tarball:
        build_tarball(args.bundle, args.version, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
