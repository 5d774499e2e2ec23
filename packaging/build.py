"""Build SDS Desktop for the current OS: ``uv run python packaging/build.py``.

* Linux:   dist/sds-desktop/ (bundle), dist/sds-desktop_<v>_<arch>.deb,
           dist/sds-desktop-<v>-linux-<machine>.tar.gz
* Windows: dist/sds-desktop/ (bundle), dist/SDS-Desktop-<v>-setup.exe (Inno Setup, if
           ISCC.exe is found; signed if SDS_SIGNTOOL_CERT is set, see packaging/README.md)
* macOS:   dist/SDS Desktop.app, dist/SDS-Desktop-<v>.dmg (packaging/macos/build_dmg.sh;
           signed/notarized when the SDS_CODESIGN_* variables are set)

PyInstaller's work files go to build/pyinstaller. Options: ``--bundle-only`` (skip the OS
packages), ``--skip-bundle`` (repackage an existing dist/sds-desktop).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"
ICONS = ROOT / "resources" / "icons"
APP_NAME = "SDS Desktop"
EXE_NAME = "sds-desktop"
ICO_SIZES = (16, 32, 48, 64, 128, 256)
LINUX_TOOLS = ("strip", "objdump")  # PyInstaller strips and inspects ELF files with these


def project_version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return str(data["project"]["version"])


def tree_size(path: Path) -> int:
    """Bytes in regular files under ``path`` (symlinks not followed or counted)."""
    total = 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            total += p.stat().st_size
    return total


def png_path(size: int) -> Path:
    return ICONS / "hicolor" / f"{size}x{size}" / "apps" / "sds-desktop.png"


def write_ico(target: Path, sizes: tuple[int, ...] = ICO_SIZES) -> Path:
    """A multi-size .ico made of the committed PNGs (PNG-in-ICO, Windows Vista+)."""
    images = [(size, png_path(size).read_bytes()) for size in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries, blobs = b"", b""
    for size, data in images:
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(header + entries + blobs)
    return target


def write_icns(target: Path) -> Path:
    """macOS: an .icns from the PNGs via ``iconutil`` (only available on macOS)."""
    iconset = target.with_suffix(".iconset")
    if iconset.exists():
        shutil.rmtree(iconset)
    iconset.mkdir(parents=True)
    for size in (16, 32, 128, 256):
        shutil.copy2(png_path(size), iconset / f"icon_{size}x{size}.png")
        double = size * 2
        if double in ICO_SIZES:
            shutil.copy2(png_path(double), iconset / f"icon_{size}x{size}@2x.png")
    subprocess.run(["iconutil", "-c", "icns", str(iconset), "-o", str(target)], check=True)
    return target


def run_pyinstaller() -> None:
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(BUILD / "pyinstaller"),
        str(ROOT / "pyinstaller.spec"),
    ]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def build_linux(version: str, bundle: Path) -> list[Path]:
    sys.path.insert(0, str(ROOT / "packaging" / "linux"))
    import build_linux  # noqa: PLC0415 - packaging/linux/build_linux.py

    return [
        build_linux.build_deb(bundle, version, DIST, BUILD),
        build_linux.build_tarball(bundle, version, DIST),
    ]


def find_iscc() -> str | None:
    found = os.environ.get("ISCC") or shutil.which("ISCC") or shutil.which("iscc")
    if found:
        return found
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").is_file():
            return str(Path(base) / "Inno Setup 6" / "ISCC.exe")
    return None


def sign_windows(path: Path) -> None:
    """Authenticode-sign ``path`` when SDS_SIGNTOOL_CERT is set (see packaging/README.md)."""
    cert = os.environ.get("SDS_SIGNTOOL_CERT")
    if not cert:
        print(f"not signing {path.name} (SDS_SIGNTOOL_CERT not set)")
        return
    cmd = [
        os.environ.get("SIGNTOOL", "signtool"),
        "sign",
        "/fd",
        "sha256",
        "/td",
        "sha256",
        "/tr",
        os.environ.get("SDS_TIMESTAMP_URL", "http://timestamp.digicert.com"),
        "/f",
        cert,
    ]
    if os.environ.get("SDS_SIGNTOOL_PASSWORD"):
        cmd += ["/p", os.environ["SDS_SIGNTOOL_PASSWORD"]]
    subprocess.run([*cmd, str(path)], check=True)


def build_windows(version: str, bundle: Path) -> list[Path]:
    sign_windows(bundle / f"{EXE_NAME}.exe")
    iscc = find_iscc()
    if iscc is None:
        print("Inno Setup (ISCC.exe) not found: installer skipped; install Inno Setup 6")
        return []
    script = ROOT / "packaging" / "windows" / "sds-desktop.iss"
    subprocess.run(
        [
            iscc,
            f"/DAppVersion={version}",
            f"/DBundleDir={bundle}",
            f"/DOutputDir={DIST}",
            f"/DIconFile={BUILD / 'icons' / 'sds-desktop.ico'}",
            str(script),
        ],
        check=True,
    )
    setup = DIST / f"SDS-Desktop-{version}-setup.exe"
    sign_windows(setup)
    return [setup]


def build_macos(version: str) -> list[Path]:
    script = ROOT / "packaging" / "macos" / "build_dmg.sh"
    subprocess.run(["bash", str(script), version], check=True, cwd=ROOT)
    return [DIST / f"SDS-Desktop-{version}.dmg"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build SDS Desktop for this OS.")
    parser.add_argument("--bundle-only", action="store_true", help="skip the OS packages")
    parser.add_argument("--skip-bundle", action="store_true", help="reuse dist/sds-desktop")
    args = parser.parse_args(argv)

    version = project_version()
    print(f"SDS Desktop {version} on {sys.platform}")
    started = time.monotonic()
    if sys.platform == "win32":
        write_ico(BUILD / "icons" / "sds-desktop.ico")
    elif sys.platform == "darwin":
        write_icns(BUILD / "icons" / "sds-desktop.icns")
    if not args.skip_bundle:
        missing = [t for t in LINUX_TOOLS if not shutil.which(t)]
        if sys.platform.startswith("linux") and missing:
            print(f"missing {', '.join(missing)}: apt-get install binutils", file=sys.stderr)
            return 1
        run_pyinstaller()

    bundle = DIST / (f"{APP_NAME}.app" if sys.platform == "darwin" else EXE_NAME)
    if not bundle.exists():
        print(f"no bundle at {bundle}", file=sys.stderr)
        return 1
    size = tree_size(bundle)
    print(f"bundle: {bundle} = {size / 2**20:.1f} MiB ({size / 1e6:.1f} MB)")
    (DIST / "bundle-size.txt").write_text(f"{size}\n", encoding="utf-8")

    artifacts: list[Path] = []
    if not args.bundle_only:
        if sys.platform.startswith("linux"):
            artifacts = build_linux(version, bundle)
        elif sys.platform == "win32":
            artifacts = build_windows(version, bundle)
        elif sys.platform == "darwin":
            artifacts = build_macos(version)
    for path in artifacts:
        print(f"artifact: {path} ({path.stat().st_size / 2**20:.1f} MiB)")
    print(f"done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
