"""`python -m backend.seed`: the showcase month reproduces a real provincial report exactly,
idempotent, refuses foreign data and production, demo citizens obviously fake."""

import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from backend import seed as seed_module
from backend.app.config import Settings
from backend.app.db import make_engine, make_session_factory, migrate_to_head
from backend.app.models import Agency, Ticket, TicketEvent, TicketMessage
from backend.app.services.phones import normalize_vietnamese_phone
from backend.app.services.reports import monthly_report
from backend.app.services.working_days import WorkingCalendar

NOW = datetime(2026, 12, 10, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def session_factory(database_url):
    engine = make_engine(database_url)
    migrate_to_head(engine)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def run(session, **kw):
    return seed_module.seed(session, showcase=(2026, 11), now=NOW, with_users=False, **kw)


def test_showcase_month_matches_the_provincial_report(session_factory):
    with session_factory() as session:
        result = run(session)
        assert result.tickets_created > 2500 and result.agencies_created == len(seed_module.AGENCIES)
        report = monthly_report(session, 2026, 11, now=NOW)
        assert report.received == 961
        assert dict(report.channel_groups) == {"Cuộc gọi": 434, "Chatbot": 500, "Email": 15, "Web/App": 12}
        assert report.processed == 949 and report.processing_rate == Decimal("98.75")
        assert report.open == 12 and 0 < report.overdue < 60
        assert report.satisfaction_count > 300 and Decimal("3.5") < report.satisfaction_average < Decimal("5")
        assert report.avg_handling_working_days is not None and report.avg_handling_working_days < 3
        assert len(report.top_fields) >= 8 and len(report.top_agencies) >= 5
        assert sum(count for _, count in report.daily) == 961

        # The records are consistent and the citizens obviously fake.
        tickets = session.scalars(select(Ticket)).all()
        assert len(tickets) == result.tickets_created
        for t in tickets:
            assert t.idempotency_key.startswith("demo-seed:")
            if t.citizen_phone:
                assert re.fullmatch(r"0900\d{6}", t.citizen_phone) and normalize_vietnamese_phone(t.citizen_phone)
            assert re.fullmatch(r"\w+ (Văn|Thị) [A-Z]", t.citizen_name)
            assert t.created_at < NOW and t.updated_at <= NOW and t.created_at <= t.updated_at
        answered = [t for t in tickets if t.status in ("answered", "closed")]
        assert session.scalar(select(func.count(func.distinct(TicketMessage.ticket_id)))
                              .where(TicketMessage.kind == "reply")) == len(answered)
        assert session.scalar(select(func.count()).select_from(TicketEvent)
                              .where(TicketEvent.action == "created")) == len(tickets)
        rated = [t for t in tickets if t.satisfaction is not None]
        assert rated and all(t.status in ("answered", "closed") for t in rated)
        names = set(session.scalars(select(Agency.name)))
        assert {"Sở Tư pháp", "Sở Xây dựng", "Công an tỉnh", "Sở Nông nghiệp và Môi trường",
                "Bảo hiểm xã hội tỉnh"} <= names

        # A second run adds nothing.
        second = run(session)
        assert second.already_seeded and second.tickets_created == 0 and second.agencies_created == 0
        assert session.scalar(select(func.count()).select_from(Ticket)) == result.tickets_created


def test_generation_is_deterministic():
    def codes():
        gen = seed_module.generate((2026, 11), now=NOW, calendar=WorkingCalendar(),
                                   due_days=Settings().due_working_days,
                                   agency_ids={code: i for i, (code, _, _) in enumerate(seed_module.AGENCIES, 1)})
        return [(t["code"], t["created_at"], t["status"]) for t in gen.tickets]

    assert codes() == codes()


@pytest.fixture
def sqlite_sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'seed.db'}")
    migrate_to_head(engine)
    yield make_session_factory(engine)
    engine.dispose()


def test_refuses_foreign_tickets_and_production(sqlite_sessions):
    session_factory = sqlite_sessions
    with session_factory() as session:
        session.add(Ticket(code="HD-2611-000001", channel="web", kind="question", summary="x", status="received",
                           due_at=NOW, created_at=NOW, updated_at=NOW))
        session.commit()
        with pytest.raises(seed_module.SeedRefused, match="not demo tickets"):
            run(session)
        assert session.scalar(select(func.count()).select_from(Agency)) == 0
        assert run(session, force=True).tickets_created > 0
    with session_factory() as session:
        with pytest.raises(seed_module.SeedRefused, match="production"):
            run(session, settings=Settings(environment="production", bot_token="x" * 32))
    with session_factory() as session:
        with pytest.raises(seed_module.SeedRefused, match="not ended"):
            seed_module.seed(session, showcase=(2026, 12), now=NOW, with_users=False)


def test_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setattr(seed_module, "seed_users", lambda *a, **k: [])
    monkeypatch.setattr(seed_module, "utc_now", lambda: NOW)
    assert seed_module.main(["--month", "2026-11"]) == 0
    assert "demo tickets created" in capsys.readouterr().out
    assert seed_module.main([]) == 0  # default month: the last one
    assert "nothing added" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        seed_module.main(["--month", "10/2026"])


def test_make_run_seeds_a_new_database_and_leaves_others_alone(tmp_path, monkeypatch, capsys):
    """`make run` calls --on-start: a fresh development database gets the demo data; a refusal
    (production, real tickets) is printed and the start goes on; SEED_DEMO_DATA=0 skips it."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'run.db'}")
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setattr(seed_module, "seed_users", lambda *a, **k: [])
    monkeypatch.setattr(seed_module, "utc_now", lambda: NOW)
    monkeypatch.setenv("SEED_DEMO_DATA", "0")
    assert seed_module.main(["--on-start"]) == 0
    assert "skipped" in capsys.readouterr().out and not (tmp_path / "run.db").exists()
    monkeypatch.delenv("SEED_DEMO_DATA")
    assert seed_module.main(["--on-start"]) == 0
    assert "demo tickets created" in capsys.readouterr().out

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'real.db'}")
    engine = make_engine(f"sqlite:///{tmp_path / 'real.db'}")
    migrate_to_head(engine)
    with make_session_factory(engine)() as session:
        session.add(Ticket(code="HD-2611-000001", channel="web", kind="question", summary="x", status="received",
                           due_at=NOW, created_at=NOW, updated_at=NOW))
        session.commit()
    engine.dispose()
    assert seed_module.main(["--on-start"]) == 0
    assert "demo data not added" in capsys.readouterr().out
    assert seed_module.main([]) == 2  # asked for by hand, the refusal is an error
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("BACKEND_BOT_TOKEN", "x" * 40)
    monkeypatch.setenv("RASA_API_TOKEN", "r" * 40)
    assert seed_module.main(["--on-start"]) == 0
    assert "production" in capsys.readouterr().out


def test_demo_users(sqlite_sessions, capsys):
    from backend.app.models import User

    with sqlite_sessions() as session:
        result = seed_module.seed(session, showcase=(2026, 11), now=NOW,
                                  env={"DEMO_SUPERVISOR_PASSWORD": "giam-sat-demo-2026"})
        users = {u.username: u for u in session.scalars(select(User))}
        assert {name: u.role for name, u in users.items()} == {
            "giamsat.demo": "supervisor", "tongdaivien.demo": "operator", "sotuphap.demo": "agency_staff"}
        assert users["sotuphap.demo"].agency.code == "STP"
        printed = {name: password for name, _, password in result.users}
        assert printed["giamsat.demo"] is None  # from the environment: not printed
        assert len(printed["tongdaivien.demo"]) >= 16 and printed["tongdaivien.demo"] != printed["sotuphap.demo"]
        assert "giam-sat-demo-2026" not in repr(result)
        # A second run keeps the accounts (and their passwords).
        again = seed_module.seed(session, showcase=(2026, 11), now=NOW, env={})
        assert again.users == [] and session.scalar(select(func.count()).select_from(User)) == 3
        user_names = [u.username for u in session.scalars(select(User))]
        assert sorted(user_names) == sorted(printed)
    capsys.readouterr()
    # Never in production, even with --force.
    with sqlite_sessions() as session:
        prod = Settings(environment="production", bot_token="x" * 32)
        assert seed_module.seed_users(session, prod, {}, {}) == []
