"""Hand-off and deliveries (issue 5): tickets remember their Rasa channel, whether an operator owns
the conversation, and the citizen's last message; citizen messages are ticket messages (kind
"citizen", stored once per channel message id); deliveries are what must reach the citizen.

ticket_messages changes a CHECK constraint and gains a UNIQUE constraint: on SQLite the batch
rebuilds the table (copying the rows); on PostgreSQL these are plain ALTERs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 11:35:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("messaging_type", sa.String(length=32), nullable=True),
        sa.Column("message_tag", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('reply', 'status', 'closed', 'handback')", name=op.f("ck_deliveries_kind")),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'undeliverable')",
                           name=op.f("ck_deliveries_status")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_deliveries_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
    )
    op.create_index("ix_deliveries_status_next_attempt_at", "deliveries", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_deliveries_ticket_id"), "deliveries", ["ticket_id"])

    with op.batch_alter_table("ticket_messages") as batch_op:
        batch_op.add_column(sa.Column("channel_message_id", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_ticket_messages_ticket_id_channel_message_id"),
                                          ["ticket_id", "channel_message_id"])
        batch_op.drop_constraint(op.f("ck_ticket_messages_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ticket_messages_kind"), "kind IN ('reply', 'note', 'citizen')")

    op.add_column("tickets", sa.Column("rasa_channel", sa.String(length=64), server_default="", nullable=False))
    op.add_column("tickets", sa.Column("handoff_active", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("tickets", sa.Column("last_citizen_message_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "last_citizen_message_at")  # SQLite 3.35+ drops columns in place
    op.drop_column("tickets", "handoff_active")
    op.drop_column("tickets", "rasa_channel")
    op.execute("DELETE FROM ticket_messages WHERE kind = 'citizen'")
    with op.batch_alter_table("ticket_messages") as batch_op:
        batch_op.drop_constraint(op.f("ck_ticket_messages_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_ticket_messages_kind"), "kind IN ('reply', 'note')")
        batch_op.drop_constraint(op.f("uq_ticket_messages_ticket_id_channel_message_id"), type_="unique")
        batch_op.drop_column("channel_message_id")
    op.drop_index(op.f("ix_deliveries_ticket_id"), table_name="deliveries")
    op.drop_index("ix_deliveries_status_next_attempt_at", table_name="deliveries")
    op.drop_table("deliveries")
