"""Spec, Windows and macOS files: sanity checks that run on any OS (no PyInstaller build)."""

from __future__ import annotations

import ast
import importlib.util
import plistlib
import re
import struct
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def spec_text() -> str:
    return (ROOT / "pyinstaller.spec").read_text(encoding="utf-8")


def _literal(spec_text: str, name: str) -> object:
    tree = ast.parse(spec_text)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} not found in pyinstaller.spec")


def test_spec_is_valid_python(spec_text: str) -> None:
    compile(spec_text, "pyinstaller.spec", "exec")


def test_spec_entry_and_names(spec_text: str) -> None:
    assert 'EXE_NAME = "sds-desktop"' in spec_text
    assert '"packaging" / "launcher.py"' in spec_text
    assert (PACKAGING / "launcher.py").is_file()
    assert "from sds_desktop.__main__ import main" in (PACKAGING / "launcher.py").read_text()
    assert 'PYPROJECT["project"]["version"]' in spec_text
    assert "exclude_binaries=True" in spec_text  # one-folder build
    assert "COLLECT(" in spec_text


def test_spec_bundles_resources_and_metadata(spec_text: str) -> None:
    assert '"resources" / "icons"' in spec_text
    assert 'copy_metadata("sds-desktop")' in spec_text
    assert 'collect_submodules("keyring.backends")' in spec_text
    assert 'collect_data_files("sds_desktop"' in spec_text
    assert '"keyring",' in spec_text


def test_spec_excludes_heavy_dev_packages(spec_text: str) -> None:
    excluded = _literal(spec_text, "EXCLUDED_MODULES")
    assert isinstance(excluded, list)
    for name in ("spectrumx", "pytest", "PySide6.QtQml", "numpy.tests", "h5py.tests"):
        assert name in excluded
    # pyqtgraph must not drag in another Qt binding or OpenGL
    for name in ("PyQt5", "PyQt6", "PySide2", "OpenGL", "pyqtgraph.opengl"):
        assert name in excluded
    for needed in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg"):
        assert needed not in excluded


def test_spec_carries_the_rf_libraries(spec_text: str) -> None:
    """Recordings are the point of the app: the bundle has the libraries that read them."""
    excluded = _literal(spec_text, "EXCLUDED_MODULES")
    assert isinstance(excluded, list)
    for name in ("numpy", "h5py", "digital_rf", "sigmf", "pyqtgraph", "jsonschema"):
        assert name not in excluded
    for name in ("digital_rf", "h5py", "numpy", "sigmf", "pyqtgraph"):
        assert f'"{name}"' in spec_text.split("hiddenimports +=", 1)[1].split("\n", 1)[0]
    assert 'collect_data_files("sigmf"' in spec_text  # its JSON schemas


def test_spec_keeps_required_plugins(spec_text: str) -> None:
    keep = _literal(spec_text, "KEEP_PLUGIN_DIRS")
    assert isinstance(keep, set)
    assert {"platforms", "imageformats", "iconengines", "styles"} <= keep
    dropped = _literal(spec_text, "DROP_PLUGINS")
    assert isinstance(dropped, set)
    assert not {"qxcb", "qwayland", "qoffscreen", "qsvg", "qsvgicon", "qico"} & dropped


def test_version_resource_and_plist() -> None:
    specdata = _load("specdata", PACKAGING / "specdata.py")
    assert specdata.version_tuple("0.1.0") == (0, 1, 0, 0)
    assert specdata.version_tuple("1.2.3rc1") == (1, 2, 0, 0)
    assert specdata.version_tuple("2.0") == (2, 0, 0, 0)
    plist = specdata.info_plist(VERSION)
    assert plist["CFBundleShortVersionString"] == VERSION
    assert plist["CFBundleName"] == "SDS Desktop"
    assert plist["NSHighResolutionCapable"] is True


def test_version_file_is_valid(tmp_path: Path) -> None:
    specdata = _load("specdata", PACKAGING / "specdata.py")
    path = Path(specdata.write_version_file(tmp_path / "v.txt", "1.2.3", "SDS Desktop", "x"))
    text = path.read_text(encoding="utf-8")
    assert "filevers=(1, 2, 3, 0)" in text
    assert "StringStruct('ProductVersion', '1.2.3')" in text
    ast.parse(text)  # PyInstaller evals this file


def test_entitlements_plist() -> None:
    with (PACKAGING / "macos" / "entitlements.plist").open("rb") as fh:
        ent = plistlib.load(fh)
    assert ent["com.apple.security.cs.disable-library-validation"] is True
    assert "com.apple.security.app-sandbox" not in ent


def test_dmg_script_mentions_the_steps() -> None:
    text = (PACKAGING / "macos" / "build_dmg.sh").read_text(encoding="utf-8")
    for word in ("codesign", "--options runtime", "hdiutil create", "notarytool", "stapler"):
        assert word in text


def test_inno_setup_script() -> None:
    text = (PACKAGING / "windows" / "sds-desktop.iss").read_text(encoding="utf-8")
    settings = dict(re.findall(r"^(\w+)=(.*)$", text, flags=re.MULTILINE))
    assert settings["PrivilegesRequired"] == "lowest"  # per-user
    assert settings["DefaultDirName"].startswith("{autopf}")
    assert settings["ChangesAssociations"] == "no"
    assert settings["OutputBaseFilename"] == "SDS-Desktop-{#AppVersion}-setup"
    assert re.match(r"\{\{[0-9A-F-]{36}\}$", settings["AppId"])
    assert "{autoprograms}" in text  # Start-menu entry
    assert "[Registry]" not in text  # no file associations or other registry writes
    assert 'Source: "{#BundleDir}\\*"' in text


def test_write_ico(tmp_path: Path) -> None:
    build = _load("sds_build", PACKAGING / "build.py")
    ico = build.write_ico(tmp_path / "app.ico").read_bytes()
    reserved, kind, count = struct.unpack_from("<HHH", ico)
    assert (reserved, kind, count) == (0, 1, len(build.ICO_SIZES))
    widths = [ico[6 + 16 * i] or 256 for i in range(count)]
    assert widths == list(build.ICO_SIZES)
    _, _, _, _, _, _, size, offset = struct.unpack_from("<BBBBHHII", ico, 6)
    assert ico[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
    assert offset + size <= len(ico)


def test_build_reads_project_version() -> None:
    build = _load("sds_build", PACKAGING / "build.py")
    assert build.project_version() == VERSION


def test_readme_documents_entry_point_and_artifacts() -> None:
    text = (PACKAGING / "README.md").read_text(encoding="utf-8")
    assert "uv run python packaging/build.py" in text
    assert "dist/" in text
    assert "signtool" in text
    assert "notarytool" in text


@pytest.mark.parametrize("script", ["ci.sh", "macos/build_dmg.sh"])
def test_shell_scripts_parse(script: str) -> None:
    import subprocess

    path = PACKAGING / script
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert path.stat().st_mode & 0o111, f"{script} is not executable"


def test_linux_share_tree(tmp_path: Path) -> None:
    build_linux = _load("build_linux", PACKAGING / "linux" / "build_linux.py")
    build_linux.install_share_files(tmp_path / "share", "9.8.7")
    share = tmp_path / "share"
    app_id = build_linux.APP_ID
    assert (share / "applications" / f"{app_id}.desktop").is_file()
    meta = (share / "metainfo" / f"{app_id}.metainfo.xml").read_text(encoding="utf-8")
    assert '<release version="9.8.7" date="' in meta
    assert "@" not in meta
    for size in (16, 32, 48, 64, 128, 256):
        assert (
            share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "sds-desktop.png"
        ).is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / "sds-desktop.svg").is_file()
    assert build_linux.LAUNCHER.startswith("#!/bin/sh\n")
    assert "exec /opt/sds-desktop/sds-desktop" in build_linux.LAUNCHER


def test_linux_docs(tmp_path: Path) -> None:
    import gzip

    build_linux = _load("build_linux", PACKAGING / "linux" / "build_linux.py")
    build_linux.install_docs(tmp_path, "9.8.7")
    doc = tmp_path / "usr" / "share" / "doc" / "sds-desktop"
    assert "License: MIT" in (doc / "copyright").read_text(encoding="utf-8")
    changelog = gzip.decompress((doc / "changelog.gz").read_bytes()).decode()
    assert changelog.startswith("sds-desktop (9.8.7) ")
    man = tmp_path / "usr" / "share" / "man" / "man1" / "sds-desktop.1.gz"
    text = gzip.decompress(man.read_bytes()).decode()
    assert '"SDS Desktop 9.8.7"' in text
    for option in ("self\\-test", "sandbox", "config\\-dir", "version"):
        assert option in text


def test_macos_minimum_matches_the_qt_wheels() -> None:
    """LSMinimumSystemVersion must not promise less than the locked PySide6 wheel needs."""
    lock = (ROOT / "uv.lock").read_text(encoding="utf-8")
    tags = re.findall(r"pyside6_essentials-[\d.]+-\S*?macosx_(\d+)_(\d+)_", lock)
    assert tags, "no macOS PySide6 wheel in uv.lock"
    needed = max((int(a), int(b)) for a, b in tags)
    with (PACKAGING / "macos" / "Info.plist").open("rb") as fh:
        declared = plistlib.load(fh)["LSMinimumSystemVersion"]
    major, minor = (int(x) for x in declared.split(".")[:2])
    assert (major, minor) >= needed
