"""Units: the shipped division registry, and the schools and offices people add."""
from __future__ import annotations

import csv

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import InputError
from ..ids import check_unit
from ..resources import package_data
from ..vocab import Origin, UnitKind
from . import db, limits
from .models import Unit
from .snapshot import UnitInfo
from .store import Part

# The unit attributes people fill in, as they call them (the importer checks a filing's cover by them).
LABELS = {k: Unit.__table__.c[k].info["label"] for k in
          ("code", "name", "school_type", "school_code", "credit_code", "contact_person", "contact_phone")}


def check_lengths(model, values: dict, labels: dict[str, str] | None = None) -> None:
    """Refuse text that does not fit its column or holds control characters (limits.py, the one
    rule for every backend; ``labels`` is kept for callers: the columns carry their labels)."""
    limits.check_rows(model, [values])


def unit_info(u: Unit, parent: Unit | None) -> UnitInfo:
    return UnitInfo(u.id, u.code, u.name, u.kind, parent.code if parent else None, u.province_code,
                    u.school_type, u.school_code, u.credit_code, u.contact_person, u.contact_phone, u.builtin,
                    parent.name if parent else None)


def read_registry() -> list[dict]:
    """The shipped division registry (desktop/core/data/registry.csv; source lines in the file)."""
    with open(package_data("registry.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


class Units(Part):
    def ensure_registry(self) -> int:
        """Load the shipped region registry once (first start); returns units added."""
        with self.session() as s:
            db.serialize(s, "registry")  # two programs starting on a new server database
            if s.scalar(select(func.count()).select_from(Unit).where(Unit.builtin.is_(True))):
                return 0
            rows = read_registry()
            by_code: dict[str, Unit] = {}
            for r in rows:
                u = Unit(code=r["code"], name=r["name"], kind=r["kind"], builtin=True,
                         province_code=(r["parent_code"] or r["code"])[:2] + "0000")
                u.parent = by_code.get(r["parent_code"]) if r["parent_code"] else None
                by_code[u.code] = u
                s.add(u)
            return len(rows)

    def add(self, code: str, name: str, kind: str, parent_code: str | None = None, *,
            school_type: str | None = None, school_code: str | None = None, credit_code: str | None = None,
            contact_person: str | None = None, contact_phone: str | None = None, accept_warnings: bool = True,
            origin: str = Origin.CLI, session: Session | None = None) -> tuple[UnitInfo, list[str]]:
        """Add a unit after checking its identifiers; returns it and the warnings accepted.

        ``session``: write inside the caller's transaction (an import creating a school)."""
        code, name = (code or "").strip(), (name or "").strip()
        if not code or not name:
            raise InputError("单位代码和名称不能为空")
        if kind not in UnitKind.__members__.values():
            raise InputError(f"单位类型「{kind}」无效，应为 {' / '.join(UnitKind)}")
        types = self.store.vocab.school_types
        if kind == UnitKind.SCHOOL and school_type and school_type not in types:
            raise InputError(f"学校类别「{school_type}」无效，应为 {'/'.join(types)}")
        fields = dict(code=code, name=name, school_type=school_type, school_code=school_code or None,
                      credit_code=(credit_code or "").strip().upper() or None,
                      contact_person=(contact_person or "").strip() or None,
                      contact_phone=(contact_phone or "").strip() or None)
        limits.check_rows(Unit, [fields])  # before any rule: the field as people call it
        if session is not None:
            return self._insert(session, kind, parent_code, fields, accept_warnings, origin)
        with self.session() as s:
            return self._insert(s, kind, parent_code, fields, accept_warnings, origin)

    def _insert(self, s: Session, kind: str, parent_code: str | None, fields: dict, accept_warnings: bool,
                origin: str) -> tuple[UnitInfo, list[str]]:
        code, name, school_type = fields["code"], fields["name"], fields["school_type"]
        db.serialize(s, f"unit:{code}")
        if s.scalar(select(Unit.id).where(Unit.code == code)):
            raise InputError(f"单位代码「{code}」已存在")
        parent = None
        if parent_code:
            parent = s.scalar(select(Unit).where(Unit.code == parent_code))
            if parent is None:
                raise InputError(f"上级单位「{parent_code}」不存在")
        elif kind != UnitKind.PROVINCE:
            raise InputError("除省级外，新增单位须指定上级单位（--parent）")
        province = parent.province_code if parent else code[:2] + "0000"
        errors, warnings = check_unit(kind, code, province, school_code=fields["school_code"],
                                      school_type=school_type, credit_code=fields["credit_code"],
                                      phone=fields["contact_phone"],
                                      fitting=self.store.vocab.school_code_types(school_type))
        if errors:
            raise InputError("；".join(errors))
        if warnings and not accept_warnings:
            raise InputError("；".join(warnings))
        u = Unit(kind=kind, parent=parent, province_code=province, **fields)
        s.add(u)
        s.flush()
        s.add(self.store.change(origin, "unit", unit_id=u.id, key="create", new=f"{code} {name}"))
        return unit_info(u, parent), warnings

    @staticmethod
    def row(s: Session, code: str) -> Unit:
        u = s.scalar(select(Unit).where(Unit.code == code))
        if u is None:
            raise InputError(f"单位「{code}」不存在")
        return u

    def get(self, code: str) -> UnitInfo:
        with self.reading() as s:
            u = self.row(s, code)
            return unit_info(u, u.parent)

    def list(self, under: str | None = None) -> list[UnitInfo]:
        """Units in tree order (parents before children); ``under`` limits to a subtree."""
        with self.reading() as s:
            rows = list(s.scalars(select(Unit)))
        by_id = {u.id: u for u in rows}
        children: dict[int | None, list[Unit]] = {}
        for u in rows:
            children.setdefault(u.parent_id, []).append(u)
        for kids in children.values():
            kids.sort(key=lambda u: (u.kind == UnitKind.SCHOOL, u.code))
        if under is not None:
            roots = [u for u in rows if u.code == under]
            if not roots:
                raise InputError(f"单位「{under}」不存在")
        else:
            roots = children.get(None, [])
        out: list[UnitInfo] = []
        stack = [(r, by_id.get(r.parent_id)) for r in reversed(roots)]
        while stack:
            u, parent = stack.pop()
            out.append(unit_info(u, parent))
            stack.extend((c, u) for c in reversed(children.get(u.id, [])))
        return out

    def province_of(self, unit: UnitInfo) -> str | None:
        return unit.province_code or (unit.code if unit.kind == UnitKind.PROVINCE else None)
