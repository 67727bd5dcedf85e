"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

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
