"""Staff accounts and login sessions (the database side; HTTP lives in security.py and the inbox).

`create_user` is also what the seed command and `python -m backend.manage create-user` use.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.app.db import utc_now
from backend.app.models import Agency, Role, User, UserSession
from backend.app.services.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password

log = logging.getLogger("backend.users")

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._\-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class UserError(ValueError):
    """Invalid account data; the message is for people (Vietnamese)."""


class LockedOut(Exception):
    def __init__(self, until: datetime):
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu dài tối đa {MAX_PASSWORD_LENGTH} ký tự.")


def create_user(session: Session, username: str, password: str, role: str, display_name: str,
                agency_code: str | None = None) -> User:
    """Create an active account. Raises UserError (nothing stored) on invalid data, an unknown
    agency, or a user name already taken."""
    username = normalize_username(username)
    if not USERNAME_PATTERN.match(username):
        raise UserError("Tên đăng nhập gồm 2-64 ký tự: chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới.")
    try:
        role = Role(role).value
    except ValueError:
        raise UserError("Vai trò không hợp lệ (operator, agency_staff, supervisor).") from None
    display_name = (display_name or "").strip() or username
    if len(display_name) > 200:
        raise UserError("Họ tên dài tối đa 200 ký tự.")
    validate_password(password)
    agency = None
    if role == Role.AGENCY_STAFF:
        if not agency_code:
            raise UserError("Cán bộ cơ quan xử lý cần mã cơ quan.")
    if agency_code:
        agency = session.scalars(select(Agency).where(Agency.code == agency_code)).one_or_none()
        if agency is None:
            raise UserError(f"Không có cơ quan với mã {agency_code}.")
    user = User(username=username, display_name=display_name, password_hash=hash_password(password),
                role=role, agency=agency, is_active=True, created_at=utc_now(), failed_logins=0)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(f"Tên đăng nhập {username} đã được dùng.") from None
    log.info("user created id=%s role=%s", user.id, role)
    return user


def set_active(session: Session, user: User, active: bool) -> None:
    """(De)activate an account; deactivating also ends its sessions."""
    user.is_active = active
    if not active:
        session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.commit()


def set_password(session: Session, user: User, password: str) -> None:
    validate_password(password)
    user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    session.commit()


def authenticate(session: Session, username: str, password: str, *, max_failures: int,
                 lockout: timedelta, now: datetime | None = None) -> User | None:
    """The active user with this name and password, or None. After `max_failures` wrong passwords
    in a row the account is locked for `lockout` (LockedOut is raised, even for the right password)."""
    now = now or utc_now()
    user = session.scalars(select(User).where(User.username == normalize_username(username))).one_or_none()
    if user is None or not user.is_active:
        verify_password(password or "", DUMMY_HASH)  # same time as a wrong password
        return None
    if user.locked_until is not None and user.locked_until > now:
        raise LockedOut(user.locked_until)
    if not verify_password(password or "", user.password_hash):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until, user.failed_logins = now + lockout, 0
            log.warning("user locked id=%s after %d failed logins", user.id, max_failures)
        session.commit()
        if user.locked_until is not None and user.locked_until > now:
            raise LockedOut(user.locked_until)
        return None
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    lifetime: timedelta  # absolute: log in again after this
    idle: timedelta  # inactivity that ends a session


def start_session(session: Session, user: User, policy: SessionPolicy,
                  now: datetime | None = None) -> tuple[str, UserSession]:
    """A new session: returns the cookie token (never stored) and the row."""
    now = now or utc_now()
    token = secrets.token_urlsafe(32)
    row = UserSession(token_hash=_token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                      created_at=now, expires_at=now + policy.lifetime, last_seen_at=now)
    session.add(row)
    # Housekeeping: forget this user's expired sessions.
    session.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at < now))
    session.commit()
    return token, row


TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute per session


def resolve_session(session: Session, token: str | None, policy: SessionPolicy,
                    now: datetime | None = None) -> UserSession | None:
    """The live session of an active user for this cookie token, or None (expired, idle too long,
    logged out, deactivated)."""
    if not token or len(token) > 200:
        return None
    now = now or utc_now()
    row = session.scalars(select(UserSession).where(UserSession.token_hash == _token_hash(token))).one_or_none()
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at + policy.idle <= now or not row.user.is_active:
        session.delete(row)
        session.commit()
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.commit()
    return row


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(UserSession).where(UserSession.token_hash == _token_hash(token)))
        session.commit()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.is_active.desc(), User.username)))
