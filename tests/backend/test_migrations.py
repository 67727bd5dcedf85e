"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.config import Config
from sqlalchemy import inspect

import backend.app.models  # noqa: F401
from backend.app.db import BACKEND_DIR, MIGRATIONS_DIR, Base, make_engine, migrate_to_head


def test_migrations_match_models(database_url):
    engine = make_engine(database_url)
    try:
        migrate_to_head(engine)
        migrate_to_head(engine)  # a second start-up is a no-op
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
            assert diff == []
            config = Config(str(BACKEND_DIR / "alembic.ini"))
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            head = ScriptDirectory.from_config(config).get_current_head()
            assert context.get_current_revision() == head
        tables = set(inspect(engine).get_table_names())
        assert {"agencies", "tickets", "ticket_events", "ticket_messages", "alembic_version"} <= tables
    finally:
        engine.dispose()


def test_concurrent_start_ups_migrate_once(database_url):
    """Three processes starting at once on a fresh database all end at head (no "table exists")."""
    import subprocess
    import sys

    from backend.app.config import REPO_ROOT

    script = ("import sys; from backend.app.db import make_engine, migrate_to_head; "
              "migrate_to_head(make_engine(sys.argv[1]))")
    processes = [subprocess.Popen([sys.executable, "-c", script, database_url], cwd=REPO_ROOT,
                                  env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [err[-2000:] for _, err in results]
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                    Base.metadata) == []
    finally:
        engine.dispose()


def test_upgrade_from_the_first_revision_and_downgrade(database_url):
    """A database created by an older backend (revision 0001) is brought to head at start-up, and
    every revision can be undone."""
    from alembic import command

    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
        assert "ix_tickets_channel_user_id" not in {i["name"] for i in inspect(engine).get_indexes("tickets")}
        migrate_to_head(engine)
        assert "ix_tickets_channel_user_id" in {i["name"] for i in inspect(engine).get_indexes("tickets")}
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
