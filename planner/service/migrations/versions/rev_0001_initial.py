"""The first schema: API keys and stored plans.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the key and plan tables."""
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_key_hash", "api_keys", ["key_hash"], unique=True)
    op.create_table(
        "plans",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("portfolio", sa.String(200), nullable=False),
        sa.Column("analysis_date", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.Integer, sa.ForeignKey("api_keys.id"), nullable=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("report_html", sa.LargeBinary, nullable=False),
        sa.Column("report_xlsx", sa.LargeBinary, nullable=False),
    )
    for column in ("portfolio", "analysis_date", "created_at"):
        op.create_index(f"ix_plans_{column}", "plans", [column])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("plans")
    op.drop_table("api_keys")
