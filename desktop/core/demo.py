"""``yice demo``: a realistic sample province (Gansu) to explore and to benchmark.

Schools are spread over the registry's 市州 and 县区; every 市州 and 兰州新区 files a
一市一策 and every school a 一校一策 against 甘政发〔2020〕38号 附件2, in a mix of
lifecycle states (some never file). Deterministic for a given seed. Written with bulk
inserts; the states and submissions go through ``Lifecycle.seed``, the lifecycle's bulk path.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
import uuid as uuidlib

from sqlalchemy import func, insert, select

from .errors import InputError
from .ids import CREDIT_CHARSET, credit_check_char
from .resources import package_data
from .store import Store
from .edits import Kind, Ref
from .store.models import Explanation, IndicatorValue, Plan, Response, Section, Unit, now
from .store.plans import plan_info
from .store.snapshot import PlanSnapshot
from .store.units import unit_info
from .validation import blocking, unexplained, validate
from .vocab import Meaning, Origin, PlanState, Role, UnitKind

DEMO_FORM = "gs2020-annex2"
PROVINCE = "620000"
NEW_AREA = "LZXQ"  # 兰州新区 (a 功能区 in the registry)
# share of units per lifecycle state; the rest never filed (未报送)
STATE_MIX = [(PlanState.ACCEPTED, 0.25), (PlanState.SUBMITTED, 0.35), (PlanState.RETURNED, 0.05),
             (PlanState.DRAFT, 0.2)]
RETURN_REASON = "落实举措过于笼统，请细化到具体项目和时间节点。"
EXPLAIN = "explain"  # demo_phrases.csv rows "explain:RULE" answer that rule's warnings ("explain:" any other)


def _read(name: str) -> list[dict]:
    with open(package_data(name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def credit_code(rng: random.Random, region: str) -> str:
    body = "12" + region + "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(CREDIT_CHARSET[:10])
    return body + credit_check_char(body)


def build_demo(store: Store, schools: int = 200, year: int | None = None, seed: int = 2020) -> dict:
    rng = random.Random(seed)
    year = year or dt.date.today().year
    view = store.catalog.get(DEMO_FORM)
    phrases: dict[Role, list[str]] = {}
    section_texts: dict[str, str] = {}  # rows "section:KEY" fill that chapter of every plan
    explain_texts: dict[str, str] = {}  # rule id ("" any rule) → the 说明 a filed plan gives its warnings
    for r in _read("demo_phrases.csv"):
        ref = Ref.parse(r["role"])
        head, _, rule = r["role"].partition(":")
        if head == EXPLAIN:
            explain_texts[rule] = r["text"]
        elif ref.kind == Kind.SECTION:
            section_texts[ref.key] = r["text"]
        else:
            phrases.setdefault(Role(r["role"]), []).append(r["text"])
    samples = _read("sample_schools.csv")
    high, middle = store.vocab.school_types[1], store.vocab.school_types[0]  # 高职, 中职
    key = view.key
    progress = view.decl(Role.PROGRESS)
    not_applicable = progress.choice(Meaning.NOT_APPLICABLE)
    working = [c for c in progress.choices if c != not_applicable]
    with store.session() as s:
        units = {u.code: u for u in s.scalars(select(Unit).where(Unit.province_code == PROVINCE))}
        if s.scalar(select(func.count()).select_from(Unit).where(Unit.code.like("DEMO%"))):
            raise InputError("数据库中已有示例数据；请换一个数据库（--db）再生成")
        cities = sorted((u for u in units.values() if u.kind == UnitKind.CITY), key=lambda u: u.code)
        area = units.get(NEW_AREA)
        counties = [u for u in units.values() if u.kind == UnitKind.COUNTY]
        by_name = {c.name: c for c in cities}
        new_units: list[dict] = []
        for i in range(schools):
            if i < len(samples):
                sm = samples[i]
                parent = by_name.get(sm["city"]) or cities[i % len(cities)]
                name, stype, scode = sm["name"], high, sm["school_id_code_10"] or None
            else:
                parent = counties[(i * 7) % len(counties)]
                k = i // len(counties)
                name = f"{parent.name}职业中等专业学校" + (f"（{k + 1}校区）" if k else "")
                stype, scode = middle, f"3662{200000 + i:06d}"
            new_units.append(dict(code=f"DEMO{i + 1:05d}", name=name, kind=UnitKind.SCHOOL.value, parent_id=parent.id,
                                  province_code=PROVINCE, school_type=stype, school_code=scode,
                                  credit_code=credit_code(rng, parent.code if parent.kind != UnitKind.AREA else PROVINCE),
                                  contact_person=rng.choice(phrases[Role.OWNER]),
                                  contact_phone=f"1{rng.randint(30, 99)}{rng.randint(0, 99999999):08d}",
                                  builtin=False, created_at=now()))
        s.execute(insert(Unit), new_units)
        filers = [(c.id, "一市一策") for c in cities + ([area] if area else [])]
        filers += [(uid, "一校一策") for (uid,) in s.execute(select(Unit.id).where(Unit.code.like("DEMO%")))]

        plans, states = [], []
        for uid, kind in filers:
            r, acc, state = rng.random(), 0.0, None
            for st, share in STATE_MIX:
                acc += share
                if r < acc:
                    state = st
                    break
            if state is None:
                continue
            plans.append(dict(uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)), unit_id=uid,
                              form_id=DEMO_FORM, form_version=view.form.version, year=year, kind=kind,
                              state=PlanState.DRAFT.value, revision=rng.randint(1, 40), created_at=now(),
                              updated_at=now()))
            states.append(state)
        s.execute(insert(Plan), plans)
        plan_ids = s.execute(select(Plan.id, Plan.kind).where(Plan.year == year, Plan.form_id == DEMO_FORM)
                             .order_by(Plan.id)).all()[-len(plans):]

        responses, indicators, sections = [], [], []
        for (pid, kind), state in zip(plan_ids, states):
            fill = 0.95 if state != PlanState.DRAFT else 0.5
            for it in view.items:
                # a filed plan answers every item its kind must answer (formal means clean)
                if rng.random() > fill and (state == PlanState.DRAFT or not view.must_answer(it.no, kind)):
                    continue
                applicable = rng.random() > 0.06
                row = {key(Role.APPLICABILITY): store.vocab.yes_no(applicable)}
                if applicable:
                    row |= {key(Role.MEASURES): rng.choice(phrases[Role.MEASURES]),
                            key(Role.LEAD): rng.choice(phrases[Role.LEAD]),
                            key(Role.DEADLINE): dt.date(year + rng.randint(0, 2), rng.choice((6, 12)),
                                                        30 if rng.random() < .5 else 1).isoformat(),
                            key(Role.PROGRESS): rng.choices(working, weights=(2, 5, 3))[0]}
                    if rng.random() < 0.5:
                        row[key(Role.PARTNERS)] = rng.choice(phrases[Role.PARTNERS])
                    if rng.random() < 0.5:
                        row[key(Role.OWNER)] = rng.choice(phrases[Role.OWNER])
                else:
                    row[key(Role.PROGRESS)] = not_applicable
                responses += [dict(plan_id=pid, item_no=it.no, field_key=k, value=v) for k, v in row.items()]
                for ind in it.indicators:
                    if not applicable:
                        continue
                    top = max((t.value for t in ind.targets), default=10)
                    if ind.kind == "percent":
                        tgt = round(rng.uniform(0.5, 1.5) * top, 1)
                    else:
                        tgt = float(max(1, round(top / rng.choice((15, 30, 60)))))
                    act = round(tgt * rng.uniform(0.3, 1.2), 1 if ind.kind == "percent" else 0)
                    if ind.kind == "percent":
                        tgt, act = min(tgt, 100.0), min(act, 100.0)
                    indicators.append(dict(plan_id=pid, indicator_key=ind.key, target=tgt, actual=act))
            sections += [dict(plan_id=pid, key=k, value=v) for k, v in section_texts.items()]
        for chunk in range(0, len(responses), 50_000):
            s.execute(insert(Response), responses[chunk:chunk + 50_000])
        if indicators:
            s.execute(insert(IndicatorValue), indicators)
        s.execute(insert(Section), sections)
        filed = {pid: (state, dt.datetime(year, 3, 1) + dt.timedelta(days=rng.randint(0, 120)),
                       RETURN_REASON if state == PlanState.RETURNED else None)
                 for (pid, _kind), state in zip(plan_ids, states) if state != PlanState.DRAFT}
        snapshots = _snapshots(s, filed, responses, indicators, sections)
        explanations = _explain(view, filed, snapshots, explain_texts)
        if explanations:
            s.execute(insert(Explanation), explanations)
        store.lifecycle.seed(s, filed, snapshots)
        s.add(store.change(Origin.DEMO, "demo", key="build", new=f"{schools} schools, {len(plans)} plans, seed {seed}"))
    return dict(schools=schools, plans=len(plans), responses=len(responses), year=year, form=DEMO_FORM)


def _explain(view, filed: dict, snapshots: dict, texts: dict[str, str]) -> list[dict]:
    """Formal means clean, in sample data too: every warning of a filed plan gets its 说明
    (rows returned for one bulk insert, and put in the snapshot the submission is made of); a
    plan that still has an error is not filed (it stays a draft)."""
    rows = []
    for pid in list(filed):
        snap = snapshots[pid]
        problems = validate(view, snap.plan.kind, snap)
        if blocking(problems):
            del filed[pid], snapshots[pid]
            continue
        for p in unexplained(problems):
            text = texts.get(p.rule_id, texts[""])
            snap.explanations[(p.item_no, p.rule_id, p.field_key)] = text
            rows.append(dict(plan_id=pid, item_no=p.item_no, rule_id=p.rule_id, field_key=p.field_key, text=text))
    return rows


def _snapshots(s, filed: dict, responses, indicators, sections) -> dict[int, PlanSnapshot]:
    """The content of each filed plan, from the rows just inserted (no second read of them)."""
    plans = {p.id: p for p in s.scalars(select(Plan).where(Plan.id.in_(list(filed))))}
    out = {pid: PlanSnapshot(plan_info(p, p.unit), unit_info(p.unit, p.unit.parent)) for pid, p in plans.items()}
    for r in responses:
        if r["plan_id"] in out:
            out[r["plan_id"]].values.setdefault(r["item_no"], {})[r["field_key"]] = r["value"]
    for r in indicators:
        if r["plan_id"] in out:
            out[r["plan_id"]].indicators[r["indicator_key"]] = (r["target"], r["actual"])
    for r in sections:
        if r["plan_id"] in out:
            out[r["plan_id"]].sections[r["key"]] = r["value"]
    return out
