"""The filing lifecycle: numbered submissions, plan states by id, who did what.

- ``submissions``: one row per 第N次报送, an immutable JSON snapshot of what was filed.
- ``plans.status`` (Chinese labels, 5 values) becomes ``plans.state`` (vocabulary ids) and
  ``plans.submission_no``. A plan that was 已报送 / 已受理 / 已退回 gets submission 1, a snapshot
  of its current content (what the office holds), with the same outcome and the return reason.
  已导出 (a formal Word export that was never filed through the program) becomes a draft: what
  was exported is unknown, so the unit files it again; a history row says so.
- ``changes`` records the acting role and name; ``imports`` the submission received.
Every plan, answer and history row is kept.

Revision ID: 0003
Revises: 0002
"""
import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Old labels → (plan state, submission state or None). Frozen: this is what 0002 stored.
_STATES = {"草稿": ("draft", None), "已导出": ("draft", None), "已报送": ("submitted", "submitted"),
           "已受理": ("accepted", "accepted"), "已退回": ("returned", "returned")}


def _snapshot(conn, plan) -> tuple[str, str]:
    """(JSON, content hash) of a plan's current content, in PlanSnapshot's format 1."""
    from desktop.core.store.snapshot import content_hash

    pid = plan.id
    values: dict[int, dict[str, str]] = {}
    for no, key, value in conn.execute(sa.text(
            "select item_no, field_key, value from responses where plan_id = :p"), {"p": pid}):
        values.setdefault(no, {})[key] = value
    inds = {k: (t, a) for k, t, a in conn.execute(sa.text(
        "select indicator_key, target, actual from indicator_values where plan_id = :p"), {"p": pid})}
    secs = dict(conn.execute(sa.text("select key, value from sections where plan_id = :p"), {"p": pid}).all())
    expl = {(no, r, f): t for no, r, f, t in conn.execute(sa.text(
        "select item_no, rule_id, field_key, text from explanations where plan_id = :p"), {"p": pid})}
    ev = [tuple(r) for r in conn.execute(sa.text(
        "select item_no, name, size, sha256 from evidence where plan_id = :p order by id"), {"p": pid})]
    u = conn.execute(sa.text(
        "select u.code, u.name, u.kind, p.code, u.province_code, u.school_type, u.school_code, u.credit_code, "
        "u.contact_person, u.contact_phone, p.name from units u left join units p on p.id = u.parent_id "
        "where u.id = :u"), {"u": plan.unit_id}).one()
    keys = ("code", "name", "kind", "parent_code", "province_code", "school_type", "school_code", "credit_code",
            "contact_person", "contact_phone", "parent_name")
    doc = {"format": 1,
           "plan": {"uuid": plan.uuid, "form_id": plan.form_id, "form_version": plan.form_version,
                    "year": plan.year, "kind": plan.kind},
           "unit": dict(zip(keys, u)),
           "values": {str(no): kv for no, kv in sorted(values.items())},
           "indicators": {k: list(ta) for k, ta in sorted(inds.items())},
           "sections": dict(sorted(secs.items())),
           "explanations": [[no, r, f, t] for (no, r, f), t in sorted(expl.items())],
           "files": [list(e) for e in ev]}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")), content_hash(values, inds, secs, expl, ev)


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("replaces", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("made_by_role", sa.String(length=16), nullable=True),
        sa.Column("made_by_name", sa.String(length=50), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by_role", sa.String(length=16), nullable=True),
        sa.Column("reviewed_by_name", sa.String(length=50), nullable=True),
        sa.Column("review_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_submissions_plan_id_plans"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("plan_id", "number", name="uq_submissions_plan_number"),
        sa.UniqueConstraint("uuid", name=op.f("uq_submissions_uuid")),
    )
    op.create_index(op.f("ix_submissions_plan_id"), "submissions", ["plan_id"])
    with op.batch_alter_table("plans") as b:
        b.add_column(sa.Column("state", sa.String(length=16), nullable=False, server_default="draft"))
        b.add_column(sa.Column("submission_no", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("changes") as b:
        b.add_column(sa.Column("actor_role", sa.String(length=16), nullable=True))
        b.add_column(sa.Column("actor_name", sa.String(length=50), nullable=True))
    with op.batch_alter_table("imports") as b:
        b.alter_column("revision", new_column_name="submission_no")
        b.add_column(sa.Column("submission_uuid", sa.String(length=36), nullable=True))

    conn = op.get_bind()
    plans = conn.execute(sa.text(
        "select id, uuid, unit_id, form_id, form_version, year, kind, status, status_reason, received_at, "
        "updated_at from plans")).all()
    for p in plans:
        state, sub_state = _STATES.get(p.status, ("draft", None))
        conn.execute(sa.text("update plans set state = :s where id = :p"), {"s": state, "p": p.id})
        if p.status != state:
            conn.execute(sa.text(
                "insert into changes (at, origin, entity, plan_id, key, old, new) "
                "values (CURRENT_TIMESTAMP, 'migration', 'state', :p, 'state', :old, :new)"),
                {"p": p.id, "old": p.status, "new": state})
        if sub_state is None:
            continue
        snap, digest = _snapshot(conn, p)
        made = p.received_at or p.updated_at
        conn.execute(sa.text(
            "insert into submissions (plan_id, number, uuid, state, content_hash, snapshot, made_at, origin, "
            "reviewed_at, review_reason) values (:p, 1, :u, :s, :h, :j, :m, 'migration', :r, :why)"),
            {"p": p.id, "u": str(uuid.uuid4()), "s": sub_state, "h": digest, "j": snap, "m": made,
             "r": made if sub_state in ("accepted", "returned") else None,
             "why": p.status_reason if sub_state == "returned" else None})
        conn.execute(sa.text("update plans set submission_no = 1, content_hash = :h where id = :p"),
                     {"h": digest, "p": p.id})
    with op.batch_alter_table("plans") as b:
        b.drop_column("status")
        b.drop_column("status_reason")


def downgrade() -> None:
    with op.batch_alter_table("plans") as b:
        b.add_column(sa.Column("status", sa.String(length=8), nullable=False, server_default="草稿"))
        b.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
    back = {"draft": "草稿", "submitted": "已报送", "accepted": "已受理", "returned": "已退回"}
    conn = op.get_bind()
    for pid, state in conn.execute(sa.text("select id, state from plans")).all():
        conn.execute(sa.text("update plans set status = :s where id = :p"), {"s": back.get(state, "草稿"), "p": pid})
    with op.batch_alter_table("plans") as b:
        b.drop_column("submission_no")
        b.drop_column("state")
    with op.batch_alter_table("imports") as b:
        b.drop_column("submission_uuid")
        b.alter_column("submission_no", new_column_name="revision")
    with op.batch_alter_table("changes") as b:
        b.drop_column("actor_name")
        b.drop_column("actor_role")
    op.drop_index(op.f("ix_submissions_plan_id"), table_name="submissions")
    op.drop_table("submissions")
