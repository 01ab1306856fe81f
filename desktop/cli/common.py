"""Small helpers every command shares: JSON output, progress on long batches, checked numbers."""
from __future__ import annotations

import argparse
import json
import sys
import time

from ..core.jobs import Job


MAX_INT = 2**31 - 1  # what an INTEGER column holds on every backend


def bounded_int(lo: int, hi: int, what: str):
    """An argparse ``type``: an integer in [lo, hi], else one line naming the range.

    A number no column can hold (a 30-digit plan number) never reaches the database."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}应为整数（收到「{text[:20]}」）") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{what}应在 {lo}～{hi} 之间（收到 {text[:20]}）")
        return value
    parse.__name__ = what
    return parse


YEAR = bounded_int(2000, 2100, "年度")
ITEM = bounded_int(0, 9999, "条目序号")
COUNT = bounded_int(1, MAX_INT, "次数")


def print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def progress_job(label: str) -> Job:
    """A Job that shows progress on stderr: one updating line on a terminal, a line every few
    seconds otherwise (a log file), so a 300-file batch never looks hung."""
    tty = sys.stderr.isatty()
    last = [0.0]

    def show(done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < (0.1 if tty else 5.0):
            return
        last[0] = now
        line = f"{label} {done}/{total} {message}"[:120]
        if tty:
            sys.stderr.write("\r\x1b[K" + line + ("\n" if done >= total else ""))
        elif total:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return Job(on_progress=show)
