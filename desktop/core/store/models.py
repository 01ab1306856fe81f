"""The one SQLAlchemy model. Schema changes go through Alembic (desktop/core/migrations).

String columns hold vocabulary ids (desktop/core/vocab.py), never labels.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ..vocab import PlanState

# Stable constraint names so Alembic batch migrations on SQLite can address them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    """省 / 市州 / 功能区 / 县区 / 学校; the tree is parent links."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, info={"label": "单位代码"})
    name: Mapped[str] = mapped_column(String(200), info={"label": "单位名称"})
    kind: Mapped[str] = mapped_column(String(16), info={"label": "单位类型"})
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    province_code: Mapped[str | None] = mapped_column(String(6), index=True, info={"label": "所属省份代码"})
    school_type: Mapped[str | None] = mapped_column(String(8), info={"label": "学校类别"})  # 中职/高职/技工/本科
    school_code: Mapped[str | None] = mapped_column(String(10), info={"label": "学校标识码"})  # 学校标识码
    credit_code: Mapped[str | None] = mapped_column(String(18), info={"label": "统一社会信用代码"})
    contact_person: Mapped[str | None] = mapped_column(String(50), info={"label": "联系人"})
    contact_phone: Mapped[str | None] = mapped_column(String(30), info={"label": "联系电话"})
    builtin: Mapped[bool] = mapped_column(default=False)  # from the shipped registry
    created_at: Mapped[dt.datetime] = mapped_column(default=now)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("unit_id", "form_id", "year", "kind", name="uq_plans_unit_form_year_kind"),
                      Index("ix_plans_form_year", "form_id", "year"))
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, info={"label": "方案标识"})
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    form_id: Mapped[str] = mapped_column(String(64), info={"label": "清单编号"})
    form_version: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), info={"label": "方案类型"})  # 一市一策/一校一策/一县一策/省级
    # PlanState: written by lifecycle.py only
    state: Mapped[str] = mapped_column(String(16), default=PlanState.DRAFT.value, info={"label": "方案状态"})
    submission_no: Mapped[int] = mapped_column(Integer, default=0)  # latest submission (第N次报送), 0: none
    revision: Mapped[int] = mapped_column(Integer, default=1)  # edit counter (optimistic concurrency), not shown
    # of the latest submission's content
    content_hash: Mapped[str | None] = mapped_column(String(64), info={"label": "内容校验值"})
    received_at: Mapped[dt.datetime | None] = mapped_column()  # when the latest submission was made/received
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)

    unit: Mapped[Unit] = relationship()


class Submission(Base):
    """One numbered, immutable filing of a plan (第N次报送): a snapshot of everything filed.

    ``uuid`` identifies this submission wherever it travels; ``replaces`` is the uuid of the
    submission it supersedes (ODK's instanceID / deprecatedID), so an importer decides new /
    same / stale from identities, never from an editable counter.
    """

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_submissions_plan_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, info={"label": "报送标识"})
    replaces: Mapped[str | None] = mapped_column(String(36), info={"label": "所取代的报送标识"})
    state: Mapped[str] = mapped_column(String(16), info={"label": "报送状态"})  # SubmissionState
    content_hash: Mapped[str] = mapped_column(String(64), info={"label": "内容校验值"})
    # JSON: PlanSnapshot.to_json(); a record of what was filed, so its characters are not re-checked
    snapshot: Mapped[str] = mapped_column(Text, info={"label": "报送内容", "chars": False})
    made_at: Mapped[dt.datetime] = mapped_column(default=now)
    made_by_role: Mapped[str | None] = mapped_column(String(16), info={"label": "报送人身份"})
    made_by_name: Mapped[str | None] = mapped_column(String(50), info={"label": "报送人"})
    # Origin: lifecycle (made here) / import (received)
    origin: Mapped[str] = mapped_column(String(16), info={"label": "来源"})
    file_name: Mapped[str | None] = mapped_column(String(500), info={"label": "文件名"})
    reviewed_at: Mapped[dt.datetime | None] = mapped_column()
    reviewed_by_role: Mapped[str | None] = mapped_column(String(16), info={"label": "审核人身份"})
    reviewed_by_name: Mapped[str | None] = mapped_column(String(50), info={"label": "审核人"})
    review_reason: Mapped[str | None] = mapped_column(Text, info={"label": "退回理由"})


class Response(Base):
    """One field of one item: plans × items × field keys, values as canonical text."""

    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("plan_id", "item_no", "field_key", name="uq_responses_plan_item_field"),
                      Index("ix_responses_field_plan", "field_key", "plan_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    item_no: Mapped[int] = mapped_column(Integer)
    field_key: Mapped[str] = mapped_column(String(64), info={"label": "字段"})
    value: Mapped[str] = mapped_column(Text, info={"label": "填报内容"})


class Section(Base):
    """Plan-level text: 基本情况, 指导思想, 建设目标, 保障措施 (keys declared in forms/)."""

    __tablename__ = "sections"
    __table_args__ = (UniqueConstraint("plan_id", "key", name="uq_sections_plan_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64), info={"label": "方案章节"})
    value: Mapped[str] = mapped_column(Text, info={"label": "章节内容"})


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (UniqueConstraint("plan_id", "indicator_key", name="uq_indicator_values_plan_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    indicator_key: Mapped[str] = mapped_column(String(64), info={"label": "指标"})
    target: Mapped[float | None] = mapped_column()
    actual: Mapped[float | None] = mapped_column()


class Blob(Base):
    """Evidence file content, addressed by its SHA-256 (stored once however often attached)."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, info={"label": "文件校验值"})
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Evidence(Base):
    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    item_no: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255), info={"label": "佐证材料文件名"})
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256", ondelete="RESTRICT"), info={"label": "文件校验值"})
    size: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[dt.datetime] = mapped_column(default=now)


class Explanation(Base):
    """说明: a unit's written answer to a warning; travels with the filing."""

    __tablename__ = "explanations"
    __table_args__ = (UniqueConstraint("plan_id", "item_no", "rule_id", "field_key", name="uq_explanations_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    item_no: Mapped[int] = mapped_column(Integer)  # 0: the plan as a whole
    rule_id: Mapped[str] = mapped_column(String(64), info={"label": "校验规则"})
    field_key: Mapped[str] = mapped_column(String(64), default="", info={"label": "字段"})
    text: Mapped[str] = mapped_column(Text, info={"label": "说明"})
    created_at: Mapped[dt.datetime] = mapped_column(default=now)


class Change(Base):
    """History of every change: when, what, old → new, and by which path (ui/cli/import)."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_plan_at", "plan_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=now)
    origin: Mapped[str] = mapped_column(String(16), info={"label": "来源"})
    # who did it (settings: role, name)
    actor_role: Mapped[str | None] = mapped_column(String(16), info={"label": "操作人身份"})
    actor_name: Mapped[str | None] = mapped_column(String(50), info={"label": "操作人姓名"})
    # response / indicator / section / explanation / attachment / state / unit / plan
    entity: Mapped[str] = mapped_column(String(32), info={"label": "修改对象"})
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    item_no: Mapped[int | None] = mapped_column(Integer)
    key: Mapped[str | None] = mapped_column(String(64), info={"label": "修改项"})
    old: Mapped[str | None] = mapped_column(Text, info={"label": "原值", "chars": False})
    new: Mapped[str | None] = mapped_column(Text, info={"label": "新值", "chars": False})


class ImportRecord(Base):
    """One imported file: what it was, what became of it."""

    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=now)
    file_name: Mapped[str] = mapped_column(String(500), info={"label": "文件名"})
    file_sha256: Mapped[str] = mapped_column(String(64), index=True, info={"label": "文件校验值"})
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(16), info={"label": "导入结果"})  # Outcome
    submission_no: Mapped[int | None] = mapped_column(Integer)
    submission_uuid: Mapped[str | None] = mapped_column(String(36), info={"label": "报送标识"})
    message: Mapped[str | None] = mapped_column(Text, info={"label": "导入说明", "chars": False})
