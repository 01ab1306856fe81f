"""A PDF beside a Word file, rendered by LibreOffice where it is installed (optional).

The province then sees exactly the pages the unit saw, whatever fonts its own Word has. No
LibreOffice: no PDF and no error (the .docx is the filing; the PDF is a courtesy).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import InputError
from ..core.files import save_atomic

TIMEOUT_S = 180


def office() -> str | None:
    """The LibreOffice program, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_beside(docx: Path, exe: str | None = None) -> Path | None:
    """``docx`` rendered to a .pdf of the same name beside it; None when LibreOffice is missing."""
    exe = exe or office()
    if not exe:
        return None
    docx = Path(docx)
    with tempfile.TemporaryDirectory(prefix="yice-pdf-") as tmp:
        profile = (Path(tmp) / "profile").as_uri()  # its own profile: runs beside an open LibreOffice
        try:
            subprocess.run([exe, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                            "--outdir", tmp, str(docx)], capture_output=True, timeout=TIMEOUT_S, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise InputError(f"LibreOffice 未能把「{docx.name}」转为 PDF：{e}") from None
        made = Path(tmp) / f"{docx.stem}.pdf"
        if not made.is_file():
            raise InputError(f"LibreOffice 未能把「{docx.name}」转为 PDF")
        return save_atomic(docx.with_suffix(".pdf"), lambda t: shutil.copyfile(made, t))
