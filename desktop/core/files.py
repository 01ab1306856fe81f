"""Writing output files (Word, Excel, reports) so that a failure never leaves half a file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (set-and-restore races threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_atomic(out, save) -> Path:
    """``save(tmp)`` beside ``out``, then rename onto it; a failed or cancelled export leaves
    nothing under the real name and no temporary file behind. Errors are one Chinese line.

    The file gets the mode any new file of the user would (0644 under the usual umask), not
    the 0600 of a temporary file: exports are meant to be shared."""
    out = Path(out)
    if not out.parent.is_dir():
        raise InputError(f"目录「{out.parent}」不存在")
    fd, tmp = tempfile.mkstemp(prefix=".yice-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        save(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except OSError as e:
        raise InputError(f"无法写入文件「{out}」：{e.strerror or e}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
