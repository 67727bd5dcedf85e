"""Deliveries remember when the bot's action read them (GET /api/deliveries/{id}).

Rasa answers trigger_intent with 200 even when the custom action failed (it logs the error and
carries on), so a 2xx alone does not mean the citizen got the message: the dispatcher counts a
delivery as sent only if the action read it during that attempt.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("deliveries", "fetched_at")  # SQLite 3.35+ drops columns in place
