"""Backend administration commands (app env, from the repository root):

    python -m backend.manage create-user --username giamsat.hoa --role supervisor --display-name "Trần Thị Hoa"
    python -m backend.manage create-user --username sxd.minh --role agency_staff --agency SXD
    python -m backend.manage set-password --username sxd.minh      (also unlocks; ends the sessions)
    python -m backend.manage backup [--out FILE]                   (default var/backups/tickets-<time>.jsonl.gz)
    python -m backend.manage restore FILE [--replace]

The password is read from the environment variable BACKEND_NEW_USER_PASSWORD when set (for
scripts), otherwise asked twice at a prompt; it is never taken from the command line, where it
would end up in shell history and process lists. The database is DATABASE_URL's (migrated first).

Backups are logical (services/backup.py): taken from one snapshot while the service runs, and
restorable into SQLite or PostgreSQL at the same schema revision. Restoring into a database that
holds data needs --replace; stop the backend first, so no ticket is written in between.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path

from sqlalchemy import select

from backend.app.config import REPO_ROOT, ConfigurationError, Settings
from backend.app.db import make_engine, migrate_to_head, migrated_session
from backend.app.models import Role, User
from backend.app.services.backup import BackupError, restore_backup, write_backup
from backend.app.services.users import UserError, create_user, normalize_username, set_password

PASSWORD_ENV = "BACKEND_NEW_USER_PASSWORD"


def _password() -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password:
        return password
    if not sys.stdin.isatty():
        raise UserError(f"Không có terminal để nhập mật khẩu: đặt biến môi trường {PASSWORD_ENV}.")
    first = getpass.getpass("Mật khẩu: ")
    if getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise UserError("Hai lần nhập mật khẩu không khớp.")
    return first


def _create_user(args: argparse.Namespace) -> int:
    with migrated_session(Settings.from_env().database_url) as session:
        user = create_user(session, args.username, _password(), args.role,
                           args.display_name or args.username, agency_code=args.agency)
        print(f"Đã tạo tài khoản {user.username} (vai trò {user.role}"
              + (f", cơ quan {args.agency}" if args.agency else "") + ").")
    return 0


def _set_password(args: argparse.Namespace) -> int:
    with migrated_session(Settings.from_env().database_url) as session:
        username = normalize_username(args.username)
        user = session.scalars(select(User).where(User.username == username)).one_or_none()
        if user is None:
            raise UserError(f"Không có tài khoản {username}.")
        set_password(session, user, _password())
        print(f"Đã đặt mật khẩu mới cho {username}.")
    return 0


def _progress(table: str, rows: int) -> None:
    print(f"  {table}: {rows} dòng", file=sys.stderr)


def _backup(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    out = Path(args.out) if args.out else (REPO_ROOT / "var" / "backups"
                                           / time.strftime("tickets-%Y%m%d-%H%M%S.jsonl.gz"))
    engine = make_engine(settings.database_url)
    try:
        summary = write_backup(engine, out, progress=_progress)
    finally:
        engine.dispose()
    print(f"Đã sao lưu {sum(summary.rows.values())} dòng (phiên bản CSDL {summary.revision}) vào {summary.path}.")
    return 0


def _restore(args: argparse.Namespace) -> int:
    engine = make_engine(Settings.from_env().database_url)
    try:
        migrate_to_head(engine)
        summary = restore_backup(engine, Path(args.file), replace=args.replace, progress=_progress)
    finally:
        engine.dispose()
    print(f"Đã khôi phục {sum(summary.rows.values())} dòng từ {summary.path}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backend.manage", description="1022 backend administration")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a staff account (password from a prompt or "
                                                     f"${PASSWORD_ENV})")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--display-name", default="")
    create.add_argument("--agency", default=None, help="agency code (required for agency_staff)")
    reset = commands.add_parser("set-password", help="set a new password (prompt or "
                                                     f"${PASSWORD_ENV}); unlocks the account")
    reset.add_argument("--username", required=True)
    backup = commands.add_parser("backup", help="write every ticket, event, message, delivery, agency and "
                                                "account to a compressed file, from one consistent snapshot")
    backup.add_argument("--out", default=None, help="file to write (default var/backups/tickets-<time>.jsonl.gz)")
    restore = commands.add_parser("restore", help="load a backup into DATABASE_URL's database (all or nothing)")
    restore.add_argument("file")
    restore.add_argument("--replace", action="store_true", help="delete what the database holds first")
    args = parser.parse_args(argv)
    handlers = {"create-user": _create_user, "set-password": _set_password, "backup": _backup, "restore": _restore}
    try:
        return handlers[args.command](args)
    except (UserError, ConfigurationError, BackupError) as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
