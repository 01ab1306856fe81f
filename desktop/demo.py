"""``yice demo``: a realistic sample province (Gansu) to explore and to benchmark.

Schools are spread over the registry's 市州 and 县区; every 市州 and 兰州新区 files a
一市一策 and every school a 一校一策 against 甘政发〔2020〕38号 附件2, in a mix of
statuses (some never file). Deterministic for a given seed. Written with bulk inserts.
"""
from __future__ import annotations

import csv
import datetime as dt
import random
import uuid as uuidlib

from sqlalchemy import func, insert, select

from .ids import CREDIT_CHARSET, credit_check_char
from .resources import package_data
from .store.models import Change, IndicatorValue, Plan, Response, Section, Unit, now
from .store.service import InputError, Store

DEMO_FORM = "gs2020-annex2"
PROVINCE = "620000"
# share of units per filing status; the rest never filed (未报送)
STATUS_MIX = [("已受理", 0.25), ("已报送", 0.35), ("已退回", 0.05), ("草稿", 0.2)]


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
    phrases: dict[str, list[str]] = {}
    for r in _read("demo_phrases.csv"):
        phrases.setdefault(r["field"], []).append(r["text"])
    samples = _read("sample_schools.csv")
    with store.session() as s:
        units = {u.code: u for u in s.scalars(select(Unit).where(Unit.province_code == PROVINCE))}
        if s.scalar(select(func.count()).select_from(Unit).where(Unit.code.like("DEMO%"))):
            raise InputError("数据库中已有示例数据；请换一个数据库（--db）再生成")
        cities = sorted((u for u in units.values() if u.kind == "city" and u.province_code == PROVINCE),
                        key=lambda u: u.code)
        area = units.get("LZXQ")
        counties = [u for u in units.values() if u.kind == "county"]
        by_name = {c.name: c for c in cities}
        new_units: list[dict] = []
        for i in range(schools):
            if i < len(samples):
                sm = samples[i]
                parent = by_name.get(sm["city"]) or cities[i % len(cities)]
                name, stype, scode = sm["name"], "高职", sm["school_id_code_10"] or None
            else:
                parent = counties[(i * 7) % len(counties)]
                k = i // len(counties)
                name = f"{parent.name}职业中等专业学校" + (f"（{k + 1}校区）" if k else "")
                stype, scode = "中职", f"3662{200000 + i:06d}"
            new_units.append(dict(code=f"DEMO{i + 1:05d}", name=name, kind="school", parent_id=parent.id,
                                  province_code=PROVINCE, school_type=stype, school_code=scode,
                                  credit_code=credit_code(rng, parent.code if parent.kind != "area" else PROVINCE),
                                  contact_person=rng.choice(phrases["owner"]),
                                  contact_phone=f"1{rng.randint(30, 99)}{rng.randint(0, 99999999):08d}",
                                  builtin=False, created_at=now()))
        s.execute(insert(Unit), new_units)
        filers = [(c.id, "一市一策") for c in cities + ([area] if area else [])]
        filers += [(uid, "一校一策") for (uid,) in s.execute(select(Unit.id).where(Unit.code.like("DEMO%")))]

        plans, statuses = [], []
        for uid, kind in filers:
            r, acc, status = rng.random(), 0.0, None
            for st, share in STATUS_MIX:
                acc += share
                if r < acc:
                    status = st
                    break
            if status is None:
                continue
            received = (dt.datetime(year, 3, 1) + dt.timedelta(days=rng.randint(0, 120))
                        if status in ("已受理", "已报送", "已退回") else None)
            plans.append(dict(uuid=str(uuidlib.UUID(int=rng.getrandbits(128), version=4)), unit_id=uid,
                              form_id=DEMO_FORM, form_version=view.form.version, year=year, kind=kind,
                              status=status, revision=rng.randint(1, 4), received_at=received,
                              status_reason="落实举措过于笼统，请细化到具体项目和时间节点。" if status == "已退回" else None,
                              created_at=now(), updated_at=now()))
            statuses.append(status)
        s.execute(insert(Plan), plans)
        plan_ids = s.execute(select(Plan.id, Plan.kind).where(Plan.year == year, Plan.form_id == DEMO_FORM)
                             .order_by(Plan.id)).all()[-len(plans):]

        responses, indicators, sections = [], [], []
        choices = view.field_map["status"].choices
        for (pid, kind), status in zip(plan_ids, statuses):
            fill = 0.95 if status != "草稿" else 0.5
            for it in view.items:
                if rng.random() > fill:
                    continue
                applicable = rng.random() > 0.06
                row = {"applicable": "是" if applicable else "否"}
                if applicable:
                    row |= {"measures": rng.choice(phrases["measures"]),
                            "lead": rng.choice(phrases["lead"]),
                            "deadline": dt.date(year + rng.randint(0, 2), rng.choice((6, 12)), 30 if rng.random() < .5 else 1).isoformat(),
                            "status": rng.choices(choices[:3], weights=(2, 5, 3))[0]}
                    if rng.random() < 0.5:
                        row["partners"] = rng.choice(phrases["partners"])
                    if rng.random() < 0.5:
                        row["owner"] = rng.choice(phrases["owner"])
                else:
                    row["status"] = "不适用"
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
                    indicators.append(dict(plan_id=pid, indicator_key=ind.key, target=min(tgt, 100.0) if ind.kind == "percent" else tgt,
                                           actual=min(act, 100.0) if ind.kind == "percent" else act))
            sections.append(dict(plan_id=pid, key="goals", value="到规定期限，全面完成省级任务清单中本单位承担的各项任务，形成可复制可推广的经验。"))
        for chunk in range(0, len(responses), 50_000):
            s.execute(insert(Response), responses[chunk:chunk + 50_000])
        if indicators:
            s.execute(insert(IndicatorValue), indicators)
        s.execute(insert(Section), sections)
        s.add(Change(origin="demo", entity="demo", key="build", new=f"{schools} schools, {len(plans)} plans, seed {seed}"))
    return dict(schools=schools, plans=len(plans), responses=len(responses), year=year, form=DEMO_FORM)
