"""Backup and restore of the ticket database (services/backup.py, `python -m backend.manage backup|restore`)."""

import gzip
import json
import uuid
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from backend import manage
from backend.app.db import Base, make_engine, make_session_factory, migrate_to_head
from backend.app.main import create_app
from backend.app.services.backup import BackupError, read_header, restore_backup, write_backup
from backend.seed import seed
from tests.backend.conftest import BOT_TOKEN, POSTGRES_URL, _postgres_admin_engine, make_settings

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=timezone.utc)


def snapshot(engine) -> dict[str, list[tuple]]:
    import backend.app.models  # noqa: F401

    with engine.connect() as connection:
        return {t.name: [tuple(row) for row in connection.execute(select(t).order_by(*t.primary_key.columns))]
                for t in Base.metadata.sorted_tables}


@pytest.fixture
def seeded_engine(database_url):
    engine = make_engine(database_url)
    migrate_to_head(engine)
    with make_session_factory(engine)() as session:
        seed(session, showcase=(2026, 11), now=NOW, env={})
    yield engine
    engine.dispose()


def test_backup_then_restore_gives_back_every_row(seeded_engine, tmp_path, database_url):
    before = snapshot(seeded_engine)
    assert len(before["tickets"]) > 50 and before["users"] and before["ticket_events"]
    summary = write_backup(seeded_engine, tmp_path / "b.jsonl.gz")
    assert summary.rows == {name: len(rows) for name, rows in before.items()}
    header = read_header(tmp_path / "b.jsonl.gz")
    assert header["revision"] == summary.revision and header["rows"] == summary.rows
    assert not list(tmp_path.glob("*.partial"))

    # The service goes on: a ticket arrives after the backup, then the backup is restored over it.
    with TestClient(create_app(make_settings(database_url))) as client:
        r = client.post("/api/tickets", headers={"Authorization": f"Bearer {BOT_TOKEN}"},
                        json={"channel": "web", "kind": "question", "summary": "Hỏi về khai sinh"})
        assert r.status_code == 201
    assert snapshot(seeded_engine) != before
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(seeded_engine, tmp_path / "b.jsonl.gz")
    restore_backup(seeded_engine, tmp_path / "b.jsonl.gz", replace=True)
    assert snapshot(seeded_engine) == before

    # New rows get fresh ids after a restore (PostgreSQL's sequences were moved past the restored ids).
    with TestClient(create_app(make_settings(database_url))) as client:
        r = client.post("/api/tickets", headers={"Authorization": f"Bearer {BOT_TOKEN}"},
                        json={"channel": "web", "kind": "question", "summary": "Hỏi về hộ chiếu"})
        assert r.status_code == 201, r.text


def test_a_damaged_or_foreign_file_changes_nothing(seeded_engine, tmp_path):
    good = tmp_path / "b.jsonl.gz"
    write_backup(seeded_engine, good)
    before = snapshot(seeded_engine)
    lines = gzip.decompress(good.read_bytes()).decode().splitlines()

    truncated = tmp_path / "truncated.jsonl.gz"
    truncated.write_bytes(gzip.compress("\n".join(lines[: len(lines) // 2]).encode()))
    with pytest.raises(BackupError, match="incomplete"):
        restore_backup(seeded_engine, truncated, replace=True)
    assert snapshot(seeded_engine) == before

    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(gzip.compress("\n".join(lines[:-1] + ["{not json"]).encode()))
    with pytest.raises(BackupError, match="damaged row"):
        restore_backup(seeded_engine, damaged, replace=True)
    assert snapshot(seeded_engine) == before

    other_revision = tmp_path / "old.jsonl.gz"
    header = json.loads(lines[0]) | {"revision": "0001"}
    other_revision.write_bytes(gzip.compress("\n".join([json.dumps(header)] + lines[1:]).encode()))
    with pytest.raises(BackupError, match="revision 0001"):
        restore_backup(seeded_engine, other_revision, replace=True)

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    with pytest.raises(BackupError, match="not a readable backup"):
        restore_backup(seeded_engine, not_a_backup, replace=True)
    assert snapshot(seeded_engine) == before


def test_sqlite_backup_restores_into_postgresql(tmp_path):
    """A province that outgrows the embedded database moves its tickets with backup and restore."""
    source = make_engine(f"sqlite:///{tmp_path / 'embedded.db'}")
    migrate_to_head(source)
    with make_session_factory(source)() as session:
        seed(session, showcase=(2026, 11), now=NOW, env={})
    write_backup(source, tmp_path / "move.jsonl.gz")
    before = snapshot(source)
    source.dispose()

    admin = _postgres_admin_engine()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    target = make_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        migrate_to_head(target)
        restore_backup(target, tmp_path / "move.jsonl.gz")
        assert snapshot(target) == before
    finally:
        target.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_manage_commands(seeded_engine, database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    out = tmp_path / "nightly" / "tickets.jsonl.gz"
    assert manage.main(["backup", "--out", str(out)]) == 0
    assert out.exists() and "Đã sao lưu" in capsys.readouterr().out
    before = snapshot(seeded_engine)
    assert manage.main(["restore", str(out)]) == 1
    assert "--replace" in capsys.readouterr().err
    assert manage.main(["restore", str(out), "--replace"]) == 0
    assert "Đã khôi phục" in capsys.readouterr().out
    assert snapshot(seeded_engine) == before
    assert manage.main(["restore", str(tmp_path / "missing.jsonl.gz")]) == 1
    assert "Lỗi" in capsys.readouterr().err
