"""Backup and restore of the ticket database, the same on SQLite and PostgreSQL.

A backup is a gzip-compressed JSON-lines file: a header (format, schema revision, time, row counts),
then one line per row, table by table in foreign-key order. It is logical, not a database dump, so
a backup of the embedded SQLite database restores into PostgreSQL when a province scales out, and
it is read in one transaction: a consistent snapshot while the service keeps taking tickets.

Restore refuses a backup of another schema revision (restore with the code that wrote it, then
upgrade) and a database that already holds data unless told to replace it; replacing is one
transaction, so a failed restore leaves the database as it was.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text

from backend.app.db import Base, UTCDateTime, utc_now

BACKUP_FORMAT = "tongdai1022-backup"
BACKUP_VERSION = 1
INSERT_BATCH = 500


class BackupError(RuntimeError):
    """The backup cannot be written or restored (the message says why, for the operator)."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    revision: str
    rows: dict[str, int]


def _tables() -> list[Table]:
    import backend.app.models  # noqa: F401  (registers every table on Base.metadata)

    return list(Base.metadata.sorted_tables)


def schema_revision(connection: Connection) -> str:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    except Exception as e:  # no table, or no row: the database was never migrated
        raise BackupError("the database has no schema revision (was it ever migrated?)") from e


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _decoders(table: Table) -> dict[str, Callable[[Any], Any]]:
    return {column.name: datetime.fromisoformat for column in table.columns
            if isinstance(column.type, UTCDateTime)}


def write_backup(engine: Engine, path: Path, progress: Callable[[str, int], None] | None = None) -> BackupSummary:
    """Write every row of the ticket database to `path` (gzip JSON lines) from one snapshot.
    The file appears only when complete: it is written beside and renamed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    tables = _tables()
    connection_options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    rows: dict[str, int] = {}
    try:
        with engine.connect().execution_options(**connection_options) as connection, connection.begin():
            revision = schema_revision(connection)
            counts = {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
            with gzip.open(partial, "wt", encoding="utf-8") as out:
                header = {"format": BACKUP_FORMAT, "version": BACKUP_VERSION, "revision": revision,
                          "created": utc_now().isoformat(), "database": engine.dialect.name, "rows": counts}
                out.write(json.dumps(header, ensure_ascii=False) + "\n")
                for table in tables:
                    order = [c for c in table.primary_key.columns]
                    result = connection.execute(select(table).order_by(*order)).mappings()
                    n = 0
                    for row in result:
                        out.write(json.dumps({"t": table.name, "r": {k: _encode(v) for k, v in row.items()}},
                                             ensure_ascii=False) + "\n")
                        n += 1
                    rows[table.name] = n
                    if progress:
                        progress(table.name, n)
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return BackupSummary(path, revision, rows)


def read_header(path: Path) -> dict:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            header = json.loads(lines.readline())
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BackupError(f"{path} is not a readable backup file ({e})") from e
    if not isinstance(header, dict) or header.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{path} is not a 1022 backup file")
    if header.get("version") != BACKUP_VERSION:
        raise BackupError(f"{path} has backup format version {header.get('version')}; this code reads "
                          f"version {BACKUP_VERSION}")
    return header


def _rows(path: Path) -> Iterator[tuple[str, dict]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        next(lines)
        for number, line in enumerate(lines, start=2):
            try:
                item = json.loads(line)
                yield item["t"], item["r"]
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise BackupError(f"{path}, line {number}: damaged row ({e})") from e


def restore_backup(engine: Engine, path: Path, replace: bool = False,
                   progress: Callable[[str, int], None] | None = None) -> BackupSummary:
    """Load a backup into the database at `engine` (its schema already at head). All or nothing."""
    path = Path(path)
    header = read_header(path)
    tables = _tables()
    by_name = {t.name: t for t in tables}
    unknown = set(header.get("rows", {})) - set(by_name)
    if unknown:
        raise BackupError(f"the backup holds tables this code does not know: {', '.join(sorted(unknown))}")
    rows: dict[str, int] = {t.name: 0 for t in tables}
    try:
        with engine.begin() as connection:
            revision = schema_revision(connection)
            if header["revision"] != revision:
                raise BackupError(f"the backup is of schema revision {header['revision']}, the database is at "
                                  f"{revision}: restore with the release that wrote it, then upgrade")
            held = {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
            if any(held.values()) and not replace:
                summary = ", ".join(f"{name} {n}" for name, n in held.items() if n)
                raise BackupError(f"the database is not empty ({summary}); restore with --replace to overwrite it")
            for table in reversed(tables):
                connection.execute(delete(table))
            decoders = {t.name: _decoders(t) for t in tables}
            batch: list[dict] = []
            current: str | None = None

            def flush() -> None:
                if batch:
                    connection.execute(insert(by_name[current]), batch)
                    rows[current] += len(batch)
                    batch.clear()

            for name, row in _rows(path):
                if name not in by_name:
                    raise BackupError(f"the backup holds rows of an unknown table {name!r}")
                if name != current:
                    flush()
                    if progress and current:
                        progress(current, rows[current])
                    current = name
                columns = by_name[name].columns
                decode = decoders[name]
                batch.append({k: (decode[k](v) if k in decode and v is not None else v)
                              for k, v in row.items() if k in columns})
                if len(batch) >= INSERT_BATCH:
                    flush()
            flush()
            if progress and current:
                progress(current, rows[current])
            expected = dict(header.get("rows", {}))
            got = {k: v for k, v in rows.items() if k in expected}
            if got != expected:
                raise BackupError(f"the backup is incomplete: its header counts {expected}, it holds {got}")
            if engine.dialect.name == "postgresql":
                _reset_sequences(connection, tables)
    except BackupError:
        raise
    except Exception as e:  # constraint violations and the like: the transaction was rolled back
        raise BackupError(f"restore failed, nothing was changed: {type(e).__name__}: {str(e)[:300]}") from e
    return BackupSummary(path, header["revision"], rows)


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Rows came with their ids: move each serial sequence past them, or the next insert collides."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement and column.type.python_type is int:
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, :column), "
                         f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"),
                    {"table": table.name, "column": column.name})
