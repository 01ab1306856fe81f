"""Small helpers every command shares: JSON output and progress on long batches."""
from __future__ import annotations

import json
import sys
import time

from ..core.jobs import Job


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
