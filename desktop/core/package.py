"""报送包: one .zip carrying a filing whole — the Excel 报送表, the Word 实施方案 and the 佐证材料.

The 报送表 lists every evidence file by item, name, size and SHA-256; the package carries the
files themselves under ``佐证材料/第N项/``, so the receiving office gets what the unit attached
and checks each byte against the list. The writer takes already-rendered bytes (the core never
imports the Word or Excel writers); the reader passes the package and the documents inside it
through the same gate as a lone .xlsx (core.zipsafe) and reads evidence only when it is listed.
"""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from . import zipsafe
from .files import save_atomic
from .store.evidence import MAX_EVIDENCE_BYTES
from .text import safe_filename

EVIDENCE_DIR = "佐证材料"
WHAT = "报送包"
LIMITS = zipsafe.Limits(file_bytes=200 * 1024 * 1024, total_bytes=250 * 1024 * 1024,
                        entry_bytes=MAX_EVIDENCE_BYTES, entries=2000)


@dataclass
class Package:
    """What a received package holds; evidence bytes are read on demand (:meth:`read`)."""

    path: Path
    xlsx_name: str
    xlsx: bytes
    docx_name: str | None = None
    docx: bytes | None = None
    evidence: dict[str, tuple[str, int]] = field(default_factory=dict)  # sha256 → (name in package, size)
    ignored: list[str] = field(default_factory=list)  # entries that are none of the above

    def read(self, shas) -> dict[str, bytes]:
        """The evidence files with these SHA-256 (checked again: the package is re-read)."""
        want = {s for s in shas if s in self.evidence}
        out: dict[str, bytes] = {}
        if not want:
            return out
        zf = zipsafe.open_zip(self.path, WHAT, LIMITS)
        with zf:
            for info in zf.infolist():
                name = info.filename
                if not name.startswith(EVIDENCE_DIR + "/") or info.is_dir():
                    continue
                data = zipsafe.read_entry(zf, info)
                sha = hashlib.sha256(data).hexdigest()
                if sha in want and sha not in out:
                    out[sha] = data
        return out


def is_package(names) -> bool:
    """A zip whose root holds an .xlsx (a lone workbook holds xl/workbook.xml instead)."""
    names = list(names)
    return "xl/workbook.xml" not in names and any("/" not in n and n.lower().endswith(".xlsx") for n in names)


def read_package(path: Path) -> Package:
    """Check and open a 报送包; raises zipsafe.UnsafeFile with one Chinese sentence."""
    path = Path(path)
    zf = zipsafe.open_zip(path, WHAT, LIMITS)
    with zf:
        books, docs, evidence, ignored = [], [], {}, []
        for info in zf.infolist():
            name = info.filename
            if info.is_dir():
                continue
            lower = name.lower()
            if "/" not in name and lower.endswith(".xlsx"):
                books.append(info)
            elif "/" not in name and lower.endswith(".docx"):
                docs.append(info)
            elif name.startswith(EVIDENCE_DIR + "/"):
                h = hashlib.sha256()
                for block in zipsafe.chunks(zf, info):
                    h.update(block)
                evidence.setdefault(h.hexdigest(), (name, info.file_size))
            else:
                ignored.append(name)
        if len(books) != 1:
            raise zipsafe.UnsafeFile(f"{WHAT}应在最上层含有一个报送表（.xlsx），现有 {len(books)} 个")
        if len(docs) > 1:
            raise zipsafe.UnsafeFile(f"{WHAT}最多含有一个实施方案（.docx），现有 {len(docs)} 个")
        xlsx = zipsafe.read_entry(zf, books[0])
        docx = zipsafe.read_entry(zf, docs[0]) if docs else None
    if docx is not None:  # checked like any received Word file, though it is not parsed further
        inner, _ = zipsafe.open_ooxml(docx, "docx", f"{WHAT}内的实施方案")
        inner.close()
    return Package(path, books[0].filename, xlsx, docs[0].filename if docs else None, docx, evidence, ignored)


def entry_names(evidence) -> list[str]:
    """Where each evidence file goes in the package: 佐证材料/第N项/name (names made unique)."""
    used: set[str] = set()
    out = []
    for no, name, _data in evidence:
        stem, dot, ext = safe_filename(name).rpartition(".")
        base = stem if dot else ext
        suffix = f".{ext}" if dot else ""
        k, candidate = 1, f"{EVIDENCE_DIR}/第{no}项/{base}{suffix}"
        while candidate.lower() in used:
            k += 1
            candidate = f"{EVIDENCE_DIR}/第{no}项/{base}（{k}）{suffix}"
        used.add(candidate.lower())
        out.append(candidate)
    return out


def write_package(out, xlsx_name: str, xlsx: bytes, docx_name: str | None, docx: bytes | None,
                  evidence: list[tuple[int, str, bytes]]) -> Path:
    """Write a 报送包 from rendered documents and the evidence files (item, name, bytes)."""
    def save(tmp):
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(safe_filename(xlsx_name), xlsx)
            if docx is not None and docx_name:
                z.writestr(safe_filename(docx_name), docx)
            for name, (_no, _n, data) in zip(entry_names(evidence), evidence):
                z.writestr(name, data)

    return save_atomic(out, save)


def export_package(store, plan_ref, out, *, render_xlsx, render_docx, draft: bool = False) -> Path:
    """The 报送包 of one plan: both documents rendered from ONE snapshot (the formal one is the
    latest submission, made now if the plan is a clean draft), and every evidence file.

    ``render_xlsx`` / ``render_docx``: ``(snapshot, draft) -> (file name, bytes)``, injected by the
    CLI or GUI (the core never imports the Excel or Word writers)."""
    lc = store.lifecycle
    snap = lc.draft_snapshot(plan_ref) if draft else lc.formal_snapshot(plan_ref)
    xlsx_name, xlsx = render_xlsx(snap, draft)
    docx_name, docx = render_docx(snap, draft)
    evidence = [(e.item_no, e.name, store.evidence.content(e.sha256)) for e in snap.evidence]
    return write_package(out, xlsx_name, xlsx, docx_name, docx, evidence)
