"""佐证材料: files attached to an item, stored once by SHA-256 however often attached."""
from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import delete, func, select

from .. import fmt
from ..errors import InputError
from ..vocab import Origin
from . import db
from .models import Blob, Evidence, Submission
from .snapshot import EvidenceInfo
from .store import Part

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024


class EvidenceFiles(Part):
    def add(self, plan_ref, item_no: int, path: str | Path, origin: str = Origin.UI) -> EvidenceInfo:
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_EVIDENCE_BYTES:
                raise InputError(f"文件「{path.name}」过大（{fmt.size(size)}），单个佐证材料不超过 {fmt.size(MAX_EVIDENCE_BYTES)}")
            data = path.read_bytes()
        except OSError as e:
            raise InputError(f"无法读取文件「{path.name}」：{e.strerror or e}") from None
        return self.add_bytes(plan_ref, item_no, path.name, data, origin)

    def add_bytes(self, plan_ref, item_no: int, name: str, data: bytes, origin: str = Origin.UI) -> EvidenceInfo:
        from ..lifecycle import Action

        digest = hashlib.sha256(data).hexdigest()
        with self.session() as s:
            p = self.store.plans.row(s, plan_ref)
            self.store.lifecycle.require_state(s, p, Action.EDIT)
            if int(item_no) not in self.catalog.for_plan(p).item_map:
                raise InputError(f"没有第{item_no}项")
            if len(name) > 255:
                raise InputError(f"文件名过长（{len(name)} 字），最多 255 字")
            # another user may attach the same file at the same instant: insert unless present
            db.insert_missing(s, Blob, dict(sha256=digest, size=len(data), data=data))
            e = Evidence(plan_id=p.id, item_no=int(item_no), name=name, sha256=digest, size=len(data))
            s.add(e)
            s.flush()
            s.add(self.store.change(origin, "attachment", plan_id=p.id, item_no=int(item_no), key="add",
                                    new=f"{name} ({digest[:12]})"))
            self.store.plans.touch(p)
            return EvidenceInfo(e.id, e.item_no, e.name, e.sha256, e.size, e.added_at)

    def remove(self, evidence_id: int, origin: str = Origin.UI) -> None:
        from ..lifecycle import Action

        with self.session() as s:
            e = s.get(Evidence, evidence_id)
            if e is None:
                raise InputError(f"佐证材料 {evidence_id} 不存在")
            p = self.store.plans.row(s, e.plan_id)  # locked like every plan a write changes
            self.store.lifecycle.require_state(s, p, Action.EDIT)
            s.add(self.store.change(origin, "attachment", plan_id=e.plan_id, item_no=e.item_no, key="remove",
                                    old=f"{e.name} ({e.sha256[:12]})"))
            sha = e.sha256
            s.delete(e)
            s.flush()
            # kept while another attachment or any submission (第N次报送) lists the file
            used = s.scalar(select(func.count()).select_from(Evidence).where(Evidence.sha256 == sha)) or \
                s.scalar(select(func.count()).select_from(Submission).where(Submission.snapshot.contains(sha)))
            if not used:
                s.execute(delete(Blob).where(Blob.sha256 == sha))
            self.store.plans.touch(p)

    def content(self, sha256: str) -> bytes:
        with self.reading() as s:
            b = s.get(Blob, sha256)
            if b is None:
                raise InputError("佐证材料内容不存在")
            return b.data
