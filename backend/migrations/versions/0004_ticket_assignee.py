"""Tickets record the staff member who took them (assigned_to, a user name), for "my tickets".

A plain nullable column and an index: added in place on SQLite too (no table rebuild).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 07:00:17
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("assigned_to", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_tickets_assigned_to"), "tickets", ["assigned_to"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_assigned_to"), table_name="tickets")
    op.drop_column("tickets", "assigned_to")  # SQLite 3.35+ drops columns in place
