"""Indexes for summaries: plans by (form, year), responses by (field, plan).

A province summary filters plans by form and year and reads one field (进度) of every
item response; without these, 10,000 units × 33 items scan the whole responses table.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_plans_form_year", "plans", ["form_id", "year"])
    op.create_index("ix_responses_field_plan", "responses", ["field_key", "plan_id"])


def downgrade() -> None:
    op.drop_index("ix_responses_field_plan", table_name="responses")
    op.drop_index("ix_plans_form_year", table_name="plans")
