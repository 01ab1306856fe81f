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
from .models import Change, Plan, Unit
from .snapshot import UnitInfo
from .store import Part

# Where a kind of unit may sit: the kinds its parent may have (a school under any office).
PARENT_KINDS = {UnitKind.CITY: (UnitKind.PROVINCE,), UnitKind.AREA: (UnitKind.PROVINCE,),
                UnitKind.COUNTY: (UnitKind.CITY, UnitKind.AREA),
                UnitKind.SCHOOL: (UnitKind.PROVINCE, UnitKind.CITY, UnitKind.AREA, UnitKind.COUNTY)}
# Attributes a person may edit (unit management); a registry division keeps its code and name.
EDITABLE = ("code", "name", "school_type", "school_code", "credit_code", "contact_person", "contact_phone")
# What people call them (messages and the importer's cover check name the field, not the column).
LABELS = {k: Unit.__table__.c[k].info["label"] for k in EDITABLE}


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
        """Units in tree order (parents before children); ``under`` limits to a subtree.

        Read as plain rows, not ORM objects: a province's 10,000 units fill the unit tree."""
        c = Unit.__table__.c
        cols = (c.id, c.code, c.name, c.kind, c.parent_id, c.province_code, c.school_type, c.school_code,
                c.credit_code, c.contact_person, c.contact_phone, c.builtin)
        with self.reading() as s:
            rows = [tuple(r) for r in s.execute(select(*cols))]
        by_id = {u[0]: u for u in rows}
        children: dict[int | None, list] = {}
        for u in rows:
            children.setdefault(u[4], []).append(u)
        school = UnitKind.SCHOOL.value
        for kids in children.values():
            kids.sort(key=lambda u: (u[3] == school, u[1]))
        if under is not None:
            roots = [u for u in rows if u[1] == under]
            if not roots:
                raise InputError(f"单位「{under}」不存在")
        else:
            roots = children.get(None, [])
        out: list[UnitInfo] = []
        stack = [(r, by_id.get(r[4])) for r in reversed(roots)]
        while stack:
            u, parent = stack.pop()
            out.append(UnitInfo(u[0], u[1], u[2], u[3], parent[1] if parent else None, *u[5:],
                                parent[2] if parent else None))
            stack.extend((k, u) for k in reversed(children.get(u[0], ())))
        return out

    # ------------------------------------------------------------ management
    def _check(self, u: Unit, province: str | None, accept_warnings: bool) -> list[str]:
        """The identifier checks of ``u`` as it would be stored (the same as :meth:`add`)."""
        errors, warnings = check_unit(u.kind, u.code, province, school_code=u.school_code,
                                      school_type=u.school_type, credit_code=u.credit_code, phone=u.contact_phone,
                                      fitting=self.store.vocab.school_code_types(u.school_type))
        if errors:
            raise InputError("；".join(errors))
        if warnings and not accept_warnings:
            raise InputError("；".join(warnings))
        return warnings

    def update(self, unit_code: str, /, *, accept_warnings: bool = True, origin: str = Origin.UI,
               **changes) -> tuple[UnitInfo, list[str]]:
        """Edit a unit's code, name, identifiers and contact (``changes``: keys of EDITABLE, None
        or blank clears); the identifier checks of :meth:`add` apply. Plans stay attached (by id),
        so a corrected code is what the next imported filing is matched by.

        A registry division (builtin) keeps its code and name: they are the state's (GB/T 2260)."""
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InputError(f"不能修改单位的「{'、'.join(sorted(unknown))}」")
        clean = {k: ((v or "").strip() or None) if isinstance(v, str) or v is None else v for k, v in changes.items()}
        if "credit_code" in clean and clean["credit_code"]:
            clean["credit_code"] = clean["credit_code"].upper()
        for key in ("code", "name"):
            if key in clean and not clean[key]:
                raise InputError(f"{LABELS[key]}不能为空")
        types = self.store.vocab.school_types
        if clean.get("school_type") and clean["school_type"] not in types:
            raise InputError(f"学校类别「{clean['school_type']}」无效，应为 {'/'.join(types)}")
        check_lengths(Unit, clean, LABELS)
        with self.session() as s:
            u = self.row(s, unit_code)
            diff = {k: v for k, v in clean.items() if getattr(u, k) != v}
            if u.builtin and {"code", "name"} & set(diff):
                raise InputError(f"「{u.name}」是行政区划名录中的单位，名称和代码不能修改（可修改联系人和电话）")
            if "code" in diff and s.scalar(select(Unit.id).where(Unit.code == diff["code"])):
                raise InputError(f"单位代码「{diff['code']}」已存在")
            old = {k: getattr(u, k) for k in diff}
            for k, v in diff.items():
                setattr(u, k, v)
            warnings = self._check(u, u.province_code, accept_warnings) if diff else []
            for k, v in diff.items():
                s.add(self.store.change(origin, "unit", unit_id=u.id, key=k, old=old[k], new=v))
            s.flush()
            return unit_info(u, u.parent), warnings

    def move(self, code: str, parent_code: str, *, origin: str = Origin.UI) -> UnitInfo:
        """Put a unit under another parent (an imported school filed under the province itself
        belongs under its 市州 or 县区); its plans and history go with it."""
        with self.session() as s:
            u, parent = self.row(s, code), self.row(s, parent_code)
            if u.builtin:
                raise InputError(f"「{u.name}」是行政区划名录中的单位，不能移动")
            allowed = PARENT_KINDS.get(UnitKind(u.kind), ())
            vocab = self.store.vocab
            if parent.kind not in allowed:
                raise InputError(f"{vocab.label(u.kind)}「{u.name}」不能放在{vocab.label(parent.kind)}「{parent.name}」之下"
                                 f"（可放在：{'、'.join(vocab.label(k) for k in allowed) or '无'}）")
            p = parent
            while p is not None:
                if p.id == u.id:
                    raise InputError(f"不能把「{u.name}」放到它自己的下级单位之下")
                p = p.parent
            if u.parent_id == parent.id:
                return unit_info(u, parent)
            old = u.parent
            self._check(u, parent.province_code, True)  # a school code names its province
            u.parent = parent
            self._set_province(s, u, parent.province_code)
            s.add(self.store.change(origin, "unit", unit_id=u.id, key="parent",
                                    old=f"{old.code} {old.name}" if old else None, new=f"{parent.code} {parent.name}"))
            s.flush()
            return unit_info(u, parent)

    @staticmethod
    def _set_province(s: Session, u: Unit, province: str | None) -> None:
        stack = [u]
        while stack:
            x = stack.pop()
            x.province_code = province
            stack.extend(s.scalars(select(Unit).where(Unit.parent_id == x.id)))

    def merge(self, duplicate_code: str, into_code: str, *, origin: str = Origin.UI) -> UnitInfo:
        """Fold a duplicate unit (an import created a school the registry already had under another
        code) into the kept one: its plans, their history and the unit's own history move over,
        blank attributes of the kept unit are filled from the duplicate, and the duplicate is removed.

        Refused when both have a plan for the same checklist, year and kind: which one is right is
        a person's call, not the program's."""
        if duplicate_code == into_code:
            raise InputError("请选择两个不同的单位")
        with self.session() as s:
            dup, keep = self.row(s, duplicate_code), self.row(s, into_code)
            vocab = self.store.vocab
            if dup.builtin:
                raise InputError(f"「{dup.name}」是行政区划名录中的单位，不能被合并掉（请反过来合并）")
            if dup.kind != keep.kind:
                raise InputError(f"「{dup.name}」（{vocab.label(dup.kind)}）与「{keep.name}」（{vocab.label(keep.kind)}）"
                                 "类型不同，不能合并")
            p = keep
            while p is not None:
                if p.id == dup.id:
                    raise InputError(f"「{keep.name}」在「{dup.name}」之下，不能合并")
                p = p.parent
            plans = list(s.scalars(select(Plan).where(Plan.unit_id == dup.id)))
            kept = {(p.form_id, p.year, p.kind) for p in s.scalars(select(Plan).where(Plan.unit_id == keep.id))}
            clash = [p for p in plans if (p.form_id, p.year, p.kind) in kept]
            if clash:
                c = clash[0]
                raise InputError(f"两个单位都有 {c.year} 年「{c.form_id}」{c.kind}方案，无法自动合并；"
                                 "请先核对保留哪一份")
            for p in plans:
                p.unit_id = keep.id
            for child in s.scalars(select(Unit).where(Unit.parent_id == dup.id)):
                child.parent_id = keep.id
            s.execute(Change.__table__.update().where(Change.unit_id == dup.id).values(unit_id=keep.id))
            filled = []
            for k in EDITABLE[2:]:
                if getattr(keep, k) is None and getattr(dup, k) is not None:
                    setattr(keep, k, getattr(dup, k))
                    filled.append(k)
            if filled:
                self._check(keep, keep.province_code, True)
            s.add(self.store.change(origin, "unit", unit_id=keep.id, key="merge", old=f"{dup.code} {dup.name}",
                                    new=f"{keep.code} {keep.name}（方案 {len(plans)} 份）"))
            s.flush()
            s.delete(dup)
            s.flush()
            return unit_info(keep, keep.parent)

    def province_of(self, unit: UnitInfo) -> str | None:
        return unit.province_code or (unit.code if unit.kind == UnitKind.PROVINCE else None)
