"""The one entry point (``yice``, ``python -m desktop``, the bundle): the GUI, or a command.

With no command (or ``--smoke-test``) the desktop app starts; otherwise the command line
runs. Each face is imported only when chosen, so a command never loads Qt and the window never
pays for argparse's subcommands' modules.
"""
from __future__ import annotations

import os
import sys


def _attach_console() -> None:
    """A windowed Windows build starts with no stdout: write to the calling console, if any."""
    if sys.stdout is not None or sys.platform != "win32":
        return
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8")
        sys.stderr = open("CONOUT$", "w", encoding="utf-8")
    else:  # started from Explorer: nowhere to print, so don't fail trying
        sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    _attach_console()
    from .cli import parse

    args = parse(argv)
    if isinstance(args, int):  # --help / a usage error: argparse has printed it
        return args
    from .core.paths import AppPaths

    paths = AppPaths.for_program(portable=args.portable)  # the one place that decides where data lives
    if args.smoke_test or not args.cmd:
        from .gui.app import run as run_gui

        return run_gui(paths, db=args.db, smoke_test=args.smoke_test)
    from .cli import run

    return run(args, paths)
