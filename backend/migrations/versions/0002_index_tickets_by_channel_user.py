"""Index tickets by the citizen's channel id, so the bot can list a citizen's tickets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 06:25:08
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_tickets_channel_user_id"), "tickets", ["channel_user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_channel_user_id"), table_name="tickets")
