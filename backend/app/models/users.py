"""Staff accounts (operators, agency staff, supervisors) and their server-side sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.app.db import Base, UTCDateTime, utc_now
from backend.app.models.agencies import Agency


class Role(StrEnum):
    OPERATOR = "operator"  # tổng đài viên: every ticket
    AGENCY_STAFF = "agency_staff"  # cán bộ cơ quan: only tickets forwarded to its agency
    SUPERVISOR = "supervisor"  # giám sát: everything, plus reports and user management


ROLE_LABELS = {Role.OPERATOR: "Tổng đài viên", Role.AGENCY_STAFF: "Cán bộ cơ quan xử lý",
               Role.SUPERVISOR: "Giám sát viên"}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('operator', 'agency_staff', 'supervisor')", name="role"),
        # Agency staff belong to exactly one agency.
        CheckConstraint("role != 'agency_staff' OR agency_id IS NOT NULL", name="agency_staff_agency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    # Lockout after repeated wrong passwords (kept in the database: holds across workers).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency | None] = relationship(lazy="joined")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.role)]


class UserSession(Base):
    """A login. The cookie carries a random token; only its SHA-256 is stored, so a database
    leak gives no usable session. `csrf_token` is the synchronizer token of the session's forms."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    user: Mapped[User] = relationship(lazy="joined")
