"""``sds-desktop`` / ``python -m sds_desktop``: the desktop transfer client."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _version() -> str:
    try:
        from sds_desktop._version import get_version  # noqa: PLC0415

        return str(get_version())
    except ImportError:  # pragma: no cover - packaging module missing
        return "0+unknown"


class _VersionAction(argparse.Action):
    """``--version``, with the version looked up only when asked (not at every start)."""

    def __init__(self, option_strings: Sequence[str], dest: str) -> None:
        super().__init__(
            option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        sys.stdout.write(f"{parser.prog} {_version()}\n")  # as argparse's own: stdout
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sds-desktop",
        description="Desktop transfer client for the SpectrumX Data System (SDS).",
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="start a local sandbox gateway with demo data and sign in to it",
    )
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        help="keep settings, logs and the queue journal in DIR (tests, portable runs)",
    )
    parser.add_argument("--debug", action="store_true", help="log at DEBUG level")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="run the built-in end-to-end self-test (sandbox, offscreen) and exit",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else list(argv)
    if args_in[:1] == ["--transfer-process"]:  # the frozen app as its own transfer process
        from sds_desktop.core.worker.child import main as child_main  # noqa: PLC0415

        return child_main(args_in[1:])
    parser = build_parser()
    args = parser.parse_args(args_in)
    if args.config_dir is not None:
        from pathlib import Path  # noqa: PLC0415

        where = Path(args.config_dir).expanduser()
        if where.exists() and not where.is_dir():
            parser.error(f"--config-dir {args.config_dir}: not a folder")  # exit 2, one line
        if not where.exists() and where.parent.exists() and not where.parent.is_dir():
            parser.error(f"--config-dir {args.config_dir}: its parent is not a folder")
    if args.self_test:
        from sds_desktop import selftest  # noqa: PLC0415 - only for --self-test

        return int(selftest.run(args))
    from sds_desktop.gui.app import run  # noqa: PLC0415 - keep --version/--help fast

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
