"""Rebuild Qt's ICU data library (``libicudata.so.NN``) without the data Qt never reads.

PySide6's QtCore links ICU (``libicui18n``, ``libicuuc``, ``libicudata``: all three are
NEEDED, so they stay). ``libicudata`` is nothing but one 32 MB symbol, ``icudtNN_dat``:
ICU's common data package. Qt uses ICU for collation (``QCollator``, which sorts the file
panes), case mapping and text-codec look-ups; it formats dates, numbers and languages
with its own CLDR tables. So the package loses (see ``DROPPED``):

* the legacy code-page converter tables (``*.cnv``: EBCDIC, Shift-JIS, GB18030, …); UTF-8,
  UTF-16/32, Latin-1 and US-ASCII are algorithmic and stay, so QStringConverter keeps them;
* ICU's per-locale display data (``curr/``, ``lang/``, ``region/``, ``unit/``, ``zone/``,
  ``rbnf/``, ``translit/`` and the top-level locale bundles other than root and en);
* the word-break dictionaries for CJK/Thai/Lao/Khmer/Burmese (``brkitr/*.dict``; Qt has
  its own text boundary finder).

Collation data (``coll/``: root, UCA and every locale's tailoring) and the core property
tables stay, so ``QCollator(QLocale("de_DE"))`` still sorts "Äpfel" after "apfel".
The trimmed package is written back as a shared library with the same soname and symbol
(assembler ``.incbin`` + ``ld -shared``, both from binutils), built with ``icupkg``
(Debian/Ubuntu: ``icu-devtools``). 32.0 MB -> 5.8 MB.

Used by ``pyinstaller.spec`` on Linux; ``tests/packaging/test_icu_slim.py`` checks it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

TOOLS = ("icupkg", "as", "ld", "readelf", "nm")

# Item names (as ``icupkg -l`` lists them) that Qt does not read.
DROPPED = re.compile(
    r"""
    ^ (?: .*\.cnv                                  # code-page converter tables
        | (?:curr|lang|region|unit|zone|rbnf|translit)/.*   # locale display data
        | brkitr/.*\.dict                          # word-break dictionaries
        | (?!en\.res$) [a-z]{2,3} (?:_[A-Za-z0-9]+)* \.res   # top-level locale bundles
      ) $
    """,
    re.VERBOSE,
)


class IcuSlimError(RuntimeError):
    """The library could not be rebuilt (missing tools or an unexpected layout)."""


def _which(tool: str) -> str | None:
    # Debian installs icupkg in /usr/sbin, which is not on a normal user's PATH.
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if _which(tool) is None]


def _run(*cmd: str, cwd: Path | None = None) -> str:
    exe = _which(cmd[0]) or cmd[0]
    done = subprocess.run((exe, *cmd[1:]), cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise IcuSlimError(f"{' '.join(cmd)} failed: {done.stderr.strip()[-400:]}")
    return done.stdout


def extract_package(lib: Path) -> tuple[str, bytes]:
    """The data symbol's name (``icudt73_dat``) and its bytes, read from the ELF file."""
    symbol, address, size = "", 0, 0
    for line in _run("nm", "-D", "-S", "--defined-only", str(lib)).splitlines():
        parts = line.split()
        if len(parts) == 4 and re.fullmatch(r"icudt\d+_dat", parts[3]):
            symbol, address, size = parts[3], int(parts[0], 16), int(parts[1], 16)
    if not symbol:
        raise IcuSlimError(f"{lib}: no icudtNN_dat symbol")
    offset = None
    for line in _run("readelf", "-SW", str(lib)).splitlines():
        m = re.search(r"\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)", line)
        if m:
            start, file_off, length = (int(m.group(i), 16) for i in (2, 3, 4))
            if start <= address and address + size <= start + length and start:
                offset = address - start + file_off
    if offset is None:
        raise IcuSlimError(f"{lib}: {symbol} is in no section")
    with lib.open("rb") as fh:
        fh.seek(offset)
        data = fh.read(size)
    if len(data) != size or data[2:4] != b"\xda\x27":  # ICU data header magic
        raise IcuSlimError(f"{lib}: {symbol} does not look like an ICU data package")
    return symbol, data


def slim_icudata(lib: Path, workdir: Path) -> Path:
    """Write a trimmed copy of ``lib`` (same file name and soname) under ``workdir``."""
    missing = missing_tools()
    if missing:
        raise IcuSlimError(f"missing {', '.join(missing)} (apt-get install icu-devtools binutils)")
    symbol, data = extract_package(lib)
    # icupkg names the items after the package file name: it must be icudtNNl.dat.
    package = f"{symbol.removesuffix('_dat')}l.dat"
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "in").mkdir(parents=True)
    (workdir / "out").mkdir()
    (workdir / "in" / package).write_bytes(data)
    items = _run("icupkg", "-l", str(workdir / "in" / package)).split()
    drop = [item for item in items if DROPPED.match(item)]
    (workdir / "drop.txt").write_text("\n".join(drop) + "\n", encoding="utf-8")
    _run(
        "icupkg",
        "--ignore-deps",  # brkitr/root.res names the dictionaries; ICU copes without them
        "-r",
        str(workdir / "drop.txt"),
        str(workdir / "in" / package),
        str(workdir / "out" / package),
    )
    asm = workdir / "data.S"
    asm.write_text(
        "\n".join(
            [
                "    .section .rodata",
                f"    .globl {symbol}",
                f"    .type {symbol}, @object",
                "    .balign 16",
                f"{symbol}:",
                f'    .incbin "out/{package}"',
                f"    .size {symbol}, . - {symbol}",
                '    .section .note.GNU-stack,"",@progbits',
                "",
            ]
        ),
        encoding="utf-8",
    )
    _run("as", "-o", "data.o", "data.S", cwd=workdir)
    soname = _run("readelf", "-dW", str(lib))
    m = re.search(r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", soname)
    target = workdir / lib.name
    _run(
        "ld",
        "-shared",
        "-z",
        "noexecstack",
        "-soname",
        m.group(1) if m else lib.name,
        "-o",
        str(target),
        "data.o",
        cwd=workdir,
    )
    return target
