"""Backend administration commands (app env, from the repository root):

    python -m backend.manage create-user --username giamsat.hoa --role supervisor --display-name "Trần Thị Hoa"
    python -m backend.manage create-user --username sxd.minh --role agency_staff --agency SXD
    python -m backend.manage set-password --username sxd.minh      (also unlocks; ends the sessions)

The password is read from the environment variable BACKEND_NEW_USER_PASSWORD when set (for
scripts), otherwise asked twice at a prompt; it is never taken from the command line, where it
would end up in shell history and process lists. The database is DATABASE_URL's (migrated first).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import select

from backend.app.config import ConfigurationError, Settings
from backend.app.db import migrated_session
from backend.app.models import Role, User
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
    args = parser.parse_args(argv)
    try:
        return _create_user(args) if args.command == "create-user" else _set_password(args)
    except (UserError, ConfigurationError) as e:
        print(f"Lỗi: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
