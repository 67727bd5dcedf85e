"""Demo data for the 1022 backend: `python -m backend.seed [--month YYYY-MM] [--force]`.

Creates the agencies of a fictional province (see backend/seed_content.py) and about three months of
tickets with replies, notes, history and ratings, so that the inbox, the public pages and the
monthly report have something to show. Deterministic: the same month and the same "now" give the
same data (seeded random).

The showcase month (default: last month, Vietnam time) reproduces the shape of a real provincial
1022 report: 961 contacts — 434 calls (phone), 500 chatbot (web 180, Zalo 230, Messenger 60,
Telegram 30), 15 e-mail, 12 web/app (entered by hand: channel "counter") — of which 949 processed
(answered or closed), 98.75 %. The two months before it have a similar volume; the current month up
to now has fewer tickets, many still open.

Safety:
* Idempotent: demo tickets carry the idempotency key "demo-seed:NNNNNN"; when they exist, tickets
  are not created again (agencies are created only when their code is missing).
* Refuses a database that holds tickets which are not demo tickets, unless --force.
* Refuses APP_ENV=production unless --force.
* Citizens are placeholder names ("Nguyễn Văn A") with phones 0900 000 001... (obviously fake,
  valid format); nothing here is a real person.
* Demo users (supervisor, operator, agency staff) are created when backend/app/services/users.py
  provides create_user; their passwords come from DEMO_SUPERVISOR_PASSWORD, DEMO_OPERATOR_PASSWORD,
  DEMO_AGENCY_PASSWORD or are random and printed once. Never in production.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from backend.app.config import Settings
from backend.app.db import migrated_session, utc_now
from backend.app.models import Agency, Ticket, TicketEvent, TicketMessage
from backend.app.services.reports import month_bounds, month_days, parse_month, previous_month
from backend.app.services.working_days import VIETNAM_TZ, WorkingCalendar
from backend.seed_content import (AGENCIES, FIELDS, LOCATIONS, OPERATORS, PLACEHOLDERS, SURNAMES, TEXTS)

DEMO_KEY_PREFIX = "demo-seed:"
RANDOM_SEED = 1022
SHOWCASE_CHANNELS = {"phone": 434, "web": 180, "zalo": 230, "messenger": 60, "telegram": 30, "email": 15,
                     "counter": 12}
SHOWCASE_PROCESSED = 949
CHATBOT = ("web", "zalo", "messenger", "telegram")
KIND_PREFIXES = {"question": "HD", "complaint": "PA", "request": "YC"}
BOT_HANDOFF = "Trợ lý ảo đã chuyển nội dung của Anh/Chị tới Tổng đài 1022. Mã phiếu của Anh/Chị là {code}."
NOTES = ("Đã gọi điện xác minh thông tin với người dân.", "Đã đôn đốc cơ quan xử lý qua điện thoại.",
         "Cơ quan xử lý đề nghị gia hạn để kiểm tra hiện trường.")


class SeedRefused(RuntimeError):
    pass


@dataclass
class SeedResult:
    agencies_created: int = 0
    tickets_created: int = 0
    already_seeded: bool = False
    showcase_month: str = ""
    users: list[tuple[str, str, str | None]] = field(default_factory=list)  # (username, role, printed password)


def _demo_condition():
    return Ticket.idempotency_key.like(DEMO_KEY_PREFIX + "%")


def count_non_demo_tickets(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Ticket).where(
        or_(Ticket.idempotency_key.is_(None), ~_demo_condition()))) or 0


def ensure_agencies(session: Session) -> tuple[dict[str, int], int]:
    existing = {a.code: a for a in session.scalars(select(Agency))}
    created = 0
    for code, name, fields in AGENCIES:
        if code not in existing:
            agency = Agency(code=code, name=name, fields=list(fields))
            session.add(agency)
            existing[code] = agency
            created += 1
    session.commit()
    return {code: a.id for code, a in existing.items()}, created


class _Generator:
    """Builds rows (plain dicts) for bulk inserts."""

    def __init__(self, rng: random.Random, now: datetime, calendar: WorkingCalendar,
                 due_days: Mapping[str, int], agency_ids: dict[str, int], taken_codes: set[str]):
        self.rng, self.now, self.calendar, self.due_days = rng, now, calendar, due_days
        self.agency_ids = agency_ids
        self.codes = taken_codes
        self.tickets: list[dict] = []
        self.events: dict[str, list[dict]] = {}  # idempotency key -> events
        self.messages: dict[str, list[dict]] = {}
        self.serial = 0
        self.field_names = list(FIELDS)
        self.field_weights = [FIELDS[f][0] for f in self.field_names]

    def _code(self, kind: str, created: datetime) -> str:
        month = created.astimezone(VIETNAM_TZ).strftime("%y%m")
        while True:
            code = f"{KIND_PREFIXES[kind]}-{month}-{self.rng.randrange(10 ** 6):06d}"
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _created_at(self, day: date, channel: str) -> datetime:
        rng = self.rng
        if channel in ("counter", "email") and not self.calendar.is_working_day(day):
            hour = rng.uniform(8, 11)  # a weekend desk or mailbox is rare; keep the day, office hours
        elif channel in ("phone", "counter", "email"):
            hour = rng.uniform(7, 17.5) if rng.random() < 0.85 else rng.uniform(17.5, 21)
        else:
            hour = rng.uniform(6, 23.5)
        local = datetime.combine(day, time(0), tzinfo=VIETNAM_TZ) + timedelta(hours=hour)
        return local.astimezone(timezone.utc).replace(microsecond=0)

    def _office_time(self, day: date) -> datetime:
        local = datetime.combine(day, time(0), tzinfo=VIETNAM_TZ) + timedelta(hours=self.rng.uniform(8, 16.5))
        return local.astimezone(timezone.utc).replace(microsecond=0)

    def _clamp(self, at: datetime, after: datetime) -> datetime:
        """`at`, but strictly after `after` and not in the future."""
        if at <= after:
            at = after + timedelta(minutes=self.rng.randint(20, 180))
        if at >= self.now:
            span = max((self.now - after).total_seconds(), 2.0)
            at = after + timedelta(seconds=span * self.rng.uniform(0.3, 0.9))
        return at

    def ticket(self, day: date, channel: str, processed: bool, open_status: str | None = None) -> None:
        rng = self.rng
        self.serial += 1
        key = f"{DEMO_KEY_PREFIX}{self.serial:06d}"
        field_name = rng.choices(self.field_names, self.field_weights)[0]
        kind, summary, answer = rng.choice(TEXTS[field_name])
        created = self._created_at(day, channel)
        if created >= self.now:
            created = self.now - timedelta(minutes=rng.randint(5, 60))
        due_at = self.calendar.due_at(created, self.due_days[kind])
        code = self._code(kind, created)
        operator = rng.choice(OPERATORS)
        by_bot = channel in CHATBOT
        citizen = f"{rng.choice(SURNAMES)} {rng.choice(('Văn', 'Thị'))} {rng.choice(PLACEHOLDERS)}"
        phone = f"0900{self.serial:06d}" if (not by_bot or rng.random() < 0.8) else ""
        location = f"số {rng.randint(1, 199)} đường Trần Phú, {rng.choice(LOCATIONS)}" \
            if kind == "complaint" else rng.choice(LOCATIONS)
        agency_code = None
        if kind != "question" or rng.random() < 0.5:
            agency_code = rng.choice(FIELDS[field_name][1])
        events = [dict(actor="bot" if by_bot else operator, at=created, action="created", field="status",
                       old_value=None, new_value="received")]
        messages: list[dict] = []
        status, last = "received", created
        satisfaction = None

        def move(target: str, at: datetime) -> None:
            nonlocal status, last
            events.append(dict(actor=operator, at=at, action="status", field="status", old_value=status,
                               new_value=target))
            status, last = target, at

        final_open = open_status if not processed else None
        if agency_code and (processed or final_open in ("assigned", "in_progress")):
            at = self._clamp(created + timedelta(minutes=rng.randint(10, 240)), created)
            events.append(dict(actor=operator, at=at, action="agency", field="agency", old_value=None,
                               new_value=agency_code))
            move("assigned", at)
        if final_open == "in_progress" or (processed and rng.random() < 0.3):
            move("in_progress", self._clamp(last + timedelta(hours=rng.uniform(1, 20)), last))
        if rng.random() < 0.15:
            at = self._clamp(last + timedelta(hours=rng.uniform(0.5, 6)), last)
            messages.append(dict(kind="note", author=operator, text=rng.choice(NOTES), created_at=at))
            events.append(dict(actor=operator, at=at, action="note", field=None, old_value=None, new_value=None))
            last = at
        if processed:
            local_day = created.astimezone(VIETNAM_TZ).date()
            late = rng.random() < 0.02
            delay = (self.due_days[kind] + rng.randint(1, 3)) if late else \
                rng.choices((0, 1, 2, 3, 4), (25, 32, 22, 13, 8))[0]
            reply_at = self._clamp(self._office_time(self.calendar.add_working_days(local_day, delay)), last)
            messages.append(dict(kind="reply", author=operator, text=answer, created_at=reply_at))
            events.append(dict(actor=operator, at=reply_at, action="reply", field=None, old_value=None,
                               new_value=None))
            move("answered", reply_at)
            if rng.random() < 0.55:
                satisfaction = rng.choices((5, 4, 3, 2, 1), (55, 28, 10, 4, 3))[0]
                at = self._clamp(reply_at + timedelta(hours=rng.uniform(0.2, 30)), reply_at)
                events.append(dict(actor="bot" if by_bot else operator, at=at, action="satisfaction",
                                   field="satisfaction", old_value=None, new_value=str(satisfaction)))
                last = at
            closing = reply_at + timedelta(days=3)
            if closing < self.now and rng.random() < 0.6:
                move("closed", closing)
        transcript = []
        if by_bot:
            transcript = [{"sender": "user", "text": summary, "at": created.isoformat()},
                          {"sender": "bot", "text": BOT_HANDOFF.format(code=code), "at": created.isoformat()}]
        self.tickets.append(dict(
            code=code, channel=channel, kind=kind, field=field_name, procedure_code=None, summary=summary,
            description=f"{summary}. Người dân đề nghị cơ quan chức năng kiểm tra, giải quyết.",
            location=location, citizen_name=citizen, citizen_phone=phone,
            channel_user_id=f"demo-{channel}-{self.serial:06d}" if by_bot else "", transcript=transcript,
            agency_id=self.agency_ids[agency_code] if agency_code else None, status=status, due_at=due_at,
            created_at=created, updated_at=max(e["at"] for e in events), idempotency_key=key,
            satisfaction=satisfaction))
        self.events[key] = events
        self.messages[key] = messages

    def month(self, year: int, month: int, channels: Mapping[str, int], processed: int) -> None:
        """Tickets of one month with exactly these channel counts and this many processed."""
        rng = self.rng
        days = [d for d in month_days(year, month)
                if datetime.combine(d, time(0), tzinfo=VIETNAM_TZ) < self.now]
        if not days:
            return
        weights = [1.0 if self.calendar.is_working_day(d) else 0.45 for d in days]
        plan = []
        for channel, count in channels.items():
            for _ in range(count):
                plan.append((rng.choices(days, weights)[0], channel))
        plan.sort(key=lambda item: (item[0], rng.random()))
        # The most recent tickets are the ones still open.
        for i, (day, channel) in enumerate(plan):
            is_processed = i < processed
            open_status = None
            if not is_processed:
                open_status = rng.choice(("received", "assigned", "in_progress"))
            self.ticket(day, channel, is_processed, open_status)


def _scaled_channels(rng: random.Random, total: int) -> dict[str, int]:
    shares = {c: n / sum(SHOWCASE_CHANNELS.values()) for c, n in SHOWCASE_CHANNELS.items()}
    counts = {c: int(total * s) for c, s in shares.items()}
    counts["phone"] += total - sum(counts.values())
    return counts


def generate(showcase: tuple[int, int], *, now: datetime, calendar: WorkingCalendar, due_days: Mapping[str, int],
             agency_ids: dict[str, int], taken_codes: set[str] | None = None) -> "_Generator":
    """Build (in memory, without the database) the rows of the demo tickets, events and messages."""
    rng = random.Random(f"{RANDOM_SEED}-{showcase[0]}-{showcase[1]}")
    gen = _Generator(rng, now, calendar, due_days, agency_ids, set(taken_codes or ()))
    year, month = showcase
    # Two months before the showcase month.
    for back in (2, 1):
        y, m = year, month - back
        if m <= 0:
            y, m = y - 1, m + 12
        total = rng.randint(880, 960)
        gen.month(y, m, _scaled_channels(rng, total), total - rng.randint(3, 10))
    gen.month(year, month, SHOWCASE_CHANNELS, SHOWCASE_PROCESSED)
    # After the showcase month, up to now: a living inbox (about 31 contacts a day, recent ones open).
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    while datetime.combine(date(y, m, 1), time(0), tzinfo=VIETNAM_TZ) < now:
        elapsed = [d for d in month_days(y, m) if datetime.combine(d, time(0), tzinfo=VIETNAM_TZ) < now]
        total = max(12, 31 * len(elapsed))
        recent_open = min(total, rng.randint(40, 70))
        gen.month(y, m, _scaled_channels(rng, total), total - recent_open)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return gen


def seed_tickets(session: Session, agency_ids: dict[str, int], *, showcase: tuple[int, int], now: datetime,
                 calendar: WorkingCalendar, due_days: Mapping[str, int]) -> int:
    """Insert the demo tickets in bulk (a few executemany statements)."""
    gen = generate(showcase, now=now, calendar=calendar, due_days=due_days, agency_ids=agency_ids,
                   taken_codes=set(session.scalars(select(Ticket.code))))
    if gen.tickets:
        session.execute(insert(Ticket.__table__), gen.tickets)
        ids = dict(session.execute(select(Ticket.idempotency_key, Ticket.id).where(_demo_condition())).all())
        events = [dict(ticket_id=ids[key], **event) for key, rows in gen.events.items() for event in rows]
        messages = [dict(ticket_id=ids[key], **message) for key, rows in gen.messages.items() for message in rows]
        session.execute(insert(TicketEvent.__table__), events)
        if messages:
            session.execute(insert(TicketMessage.__table__), messages)
    session.commit()
    return len(gen.tickets)


def seed_users(session: Session, settings: Settings, env: Mapping[str, str], agency_ids: dict[str, int]):
    """Demo supervisor, operator and agency staff, when the users service exists. Passwords come
    from the environment or are random (returned so the caller prints them once)."""
    try:
        from backend.app.services import users as user_service
    except ImportError:
        return []
    create_user = getattr(user_service, "create_user", None)
    if create_user is None:
        return []
    return _create_demo_users(session, create_user, settings, env, agency_ids)


def _create_demo_users(session, create_user, settings, env, agency_ids):
    import secrets

    if settings.is_production:
        return []
    created = []
    specs = (("giamsat.demo", "Giám sát viên (demo)", "supervisor", "DEMO_SUPERVISOR_PASSWORD", None),
             ("tongdaivien.demo", "Tổng đài viên (demo)", "operator", "DEMO_OPERATOR_PASSWORD", None),
             ("sotuphap.demo", "Cán bộ Sở Tư pháp (demo)", "agency_staff", "DEMO_AGENCY_PASSWORD", "STP"))
    from backend.app.models import User

    existing = set(session.scalars(select(User.username)))
    for username, display_name, role, variable, agency_code in specs:
        if username in existing:
            continue
        given = env.get(variable)
        password = given or secrets.token_urlsafe(12)
        try:
            create_user(session, username=username, password=password, role=role, display_name=display_name,
                        agency_code=agency_code)
        except Exception as e:  # e.g. a password from the environment that is too short
            session.rollback()
            print(f"demo user {username}: not created ({e})", file=sys.stderr)
            continue
        created.append((username, role, None if given else password))
    return created


def seed(session: Session, *, showcase: tuple[int, int] | None = None, now: datetime | None = None,
         calendar: WorkingCalendar | None = None, due_days: Mapping[str, int] | None = None,
         force: bool = False, settings: Settings | None = None, env: Mapping[str, str] | None = None,
         with_users: bool = True) -> SeedResult:
    settings = settings or Settings()
    now = now or utc_now()
    calendar = calendar or WorkingCalendar.with_overrides(settings.extra_days_off, settings.extra_working_days)
    due_days = due_days or settings.due_working_days
    showcase = showcase or previous_month(now.astimezone(VIETNAM_TZ).date())
    result = SeedResult(showcase_month=f"{showcase[0]}-{showcase[1]:02d}")
    if month_bounds(*showcase)[1] > now:
        raise SeedRefused(f"the showcase month {result.showcase_month} has not ended yet; pick an earlier one")
    if settings.is_production and not force:
        raise SeedRefused("APP_ENV=production: demo data is not seeded into production (use --force to insist)")
    non_demo = count_non_demo_tickets(session)
    if non_demo and not force:
        raise SeedRefused(f"the database holds {non_demo} tickets that are not demo tickets; "
                          "run with --force to add demo data anyway")
    agency_ids, result.agencies_created = ensure_agencies(session)
    if session.scalar(select(func.count()).select_from(Ticket).where(_demo_condition())):
        result.already_seeded = True
    else:
        result.tickets_created = seed_tickets(session, agency_ids, showcase=showcase, now=now, calendar=calendar,
                                              due_days=due_days)
    if with_users:
        result.users = seed_users(session, settings, env if env is not None else {}, agency_ids)
    return result


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(prog="python -m backend.seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--month", help="showcase month YYYY-MM (default: last month)")
    parser.add_argument("--force", action="store_true",
                        help="seed although the database has non-demo tickets (or APP_ENV=production)")
    parser.add_argument("--on-start", action="store_true",
                        help="as `make run` calls it: a refusal is a note, not a failure, and "
                             "SEED_DEMO_DATA=0 skips seeding")
    args = parser.parse_args(argv)
    if args.on_start and os.environ.get("SEED_DEMO_DATA", "1").lower() in ("0", "false", "no"):
        print("demo data: skipped (SEED_DEMO_DATA=0)")
        return 0
    settings = Settings.from_env()
    try:
        showcase = parse_month(args.month) if args.month else None
    except ValueError as e:
        parser.error(str(e))
    try:
        with migrated_session(settings.database_url) as session:
            result = seed(session, showcase=showcase, force=args.force, settings=settings, env=os.environ)
    except SeedRefused as e:
        if args.on_start:  # a production or a real database is left alone, and the services still start
            print(f"demo data not added: {e}")
            return 0
        print(f"seed refused: {e}", file=sys.stderr)
        return 2
    print(f"agencies created: {result.agencies_created}")
    if result.already_seeded:
        print("demo tickets already present: nothing added")
    else:
        print(f"demo tickets created: {result.tickets_created} (showcase month {result.showcase_month}: "
              f"961 contacts, 949 processed)")
    for username, role, password in result.users:
        shown = password if password else "(from the environment)"
        print(f"demo user {username} ({role}): password {shown}")
    if any(password for _, _, password in result.users):
        print("These passwords are shown only once.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
