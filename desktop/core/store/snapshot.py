"""Everything a unit filed in one plan, as plain values: what validation and every exporter read.

A snapshot is either the working copy (read from the database) or a submission (第N次报送,
stored as JSON). Both have one shape, so the Word 实施方案, the Excel 报送表 and the summary
read a submission exactly as they read a draft, and two submissions can be compared.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field

FORMAT = 1


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    kind: str  # UnitKind id
    parent_code: str | None
    province_code: str | None
    school_type: str | None = None
    school_code: str | None = None
    credit_code: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    builtin: bool = False
    parent_name: str | None = None


@dataclass(frozen=True)
class PlanInfo:
    id: int
    uuid: str
    unit_code: str
    unit_name: str
    form_id: str
    form_version: int
    year: int
    kind: str
    state: str  # PlanState id
    submission_no: int  # latest 第N次报送 (0: never submitted)
    revision: int  # edit counter (not shown to people)
    received_at: dt.datetime | None
    updated_at: dt.datetime
    review_reason: str | None = None  # why the latest submission was returned


@dataclass(frozen=True)
class EvidenceInfo:
    id: int
    item_no: int
    name: str
    sha256: str
    size: int
    added_at: dt.datetime | None = None


@dataclass(frozen=True)
class SubmissionInfo:
    number: int
    uuid: str
    replaces: str | None
    state: str  # SubmissionState id
    content_hash: str
    made_at: dt.datetime
    made_by: str | None  # "role 姓名"
    origin: str
    file_name: str | None = None
    reviewed_at: dt.datetime | None = None
    reviewed_by: str | None = None
    review_reason: str | None = None
    history: tuple[str, ...] = ()  # uuids of the earlier submissions, oldest first (travels in the file)


@dataclass
class PlanSnapshot:
    """A plan's content. ``submission`` says which 第N次报送 it is (None: the working copy)."""

    plan: PlanInfo
    unit: UnitInfo | None = None
    values: dict[int, dict[str, str]] = field(default_factory=dict)
    indicators: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    explanations: dict[tuple[int, str, str], str] = field(default_factory=dict)
    evidence: list[EvidenceInfo] = field(default_factory=list)
    submission: SubmissionInfo | None = None

    def value(self, item_no: int, key: str) -> str | None:
        return self.values.get(item_no, {}).get(key)

    def put(self, ref, value) -> None:
        """Set one value (a :class:`~desktop.core.edits.Ref`) as the store has just written it
        (None: removed), so a holder of the working copy need not re-read the whole plan."""
        from ..edits import Kind

        if ref.kind == Kind.SECTION:
            if value is None:
                self.sections.pop(ref.key, None)
            else:
                self.sections[ref.key] = value
        elif ref.is_indicator:
            t, a = self.indicators.get(ref.key, (None, None))
            self.indicators[ref.key] = (value, a) if ref.kind == Kind.TARGET else (t, value)
        elif value is None:
            kv = self.values.get(ref.item_no, {})
            kv.pop(ref.key, None)
            if not kv:  # as read back: an item with no answer has no entry
                self.values.pop(ref.item_no, None)
        else:
            self.values.setdefault(ref.item_no, {})[ref.key] = value

    @property
    def content_hash(self) -> str:
        return content_hash(self.values, self.indicators, self.sections, self.explanations,
                            [(e.item_no, e.name, e.size, e.sha256) for e in self.evidence])

    # -------------------------------------------------------------- JSON
    def to_json(self, form_hash: str | None = None) -> str:
        """The stored form of a submission (plan and unit identity travel with the content), with
        the content hash of the form version it was filled against (``FormView.hash``)."""
        u = self.unit
        plan = {"uuid": self.plan.uuid, "form_id": self.plan.form_id, "form_version": self.plan.form_version,
                "year": self.plan.year, "kind": self.plan.kind}
        if form_hash:
            plan["form_hash"] = form_hash
        doc = {
            "format": FORMAT,
            "plan": plan,
            "unit": None if u is None else {k: v for k, v in asdict(u).items() if k not in ("id", "builtin")},
            "values": {str(no): kv for no, kv in sorted(self.values.items())},
            "indicators": {k: list(ta) for k, ta in sorted(self.indicators.items())},
            "sections": dict(sorted(self.sections.items())),
            "explanations": [[no, rule, key, text] for (no, rule, key), text in sorted(self.explanations.items())],
            "files": [[e.item_no, e.name, e.size, e.sha256] for e in self.evidence],
        }
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str, plan: PlanInfo, submission: SubmissionInfo | None = None) -> PlanSnapshot:
        doc = json.loads(text)
        u = doc.get("unit")
        unit = UnitInfo(id=0, builtin=False, **u) if u else None
        return cls(plan=plan, unit=unit,
                   values={int(no): dict(kv) for no, kv in doc["values"].items()},
                   indicators={k: (ta[0], ta[1]) for k, ta in doc["indicators"].items()},
                   sections=dict(doc["sections"]),
                   explanations={(int(no), rule, key): text for no, rule, key, text in doc["explanations"]},
                   evidence=[EvidenceInfo(0, int(no), name, sha, int(size)) for no, name, size, sha in doc["files"]],
                   submission=submission)


def number_key(v) -> str | None:
    """Exact text of a number for hashing (repr round-trips a float; 1234567 ≠ 1234568)."""
    return None if v is None else repr(float(v))


def content_hash(values: dict, indicators: dict, sections: dict, explanations: dict | None = None,
                 evidence=()) -> str:
    """SHA-256 of a plan's content in one canonical form (export, import and submissions share it).

    Blanks are dropped so "absent" and "empty" hash alike; numbers are compared exactly.
    """
    doc = {
        "v": sorted([int(no), k, str(v)] for no, kv in values.items() for k, v in kv.items() if v not in (None, "")),
        "i": sorted([k, number_key(t), number_key(a)] for k, (t, a) in indicators.items()
                    if t is not None or a is not None),
        "s": sorted([k, str(v)] for k, v in sections.items() if v not in (None, "")),
        "x": sorted([int(no), r, f, str(t)] for (no, r, f), t in (explanations or {}).items() if t),
        "e": sorted([int(no), str(n), int(size), sha] for no, n, size, sha in evidence),
    }
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
