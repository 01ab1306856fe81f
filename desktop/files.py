"""Writing output files (Word, Excel, reports) so that a failure never leaves half a file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .store.service import InputError


def save_atomic(out, save) -> Path:
    """``save(tmp)`` beside ``out``, then rename onto it; a failed or cancelled export leaves
    nothing under the real name and no temporary file behind. Errors are one Chinese line."""
    out = Path(out)
    if not out.parent.is_dir():
        raise InputError(f"目录「{out.parent}」不存在")
    fd, tmp = tempfile.mkstemp(prefix=".yice-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, out)
    except OSError as e:
        raise InputError(f"无法写入文件「{out}」：{e.strerror or e}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out
