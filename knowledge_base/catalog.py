"""The procedure record the knowledge base serves, loaded from procedures_data/catalog.jsonl."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field: str = ""
    levels: tuple[str, ...] = ()
    agency: str = ""
    authority: str = ""
    audience: str = ""
    methods: tuple[dict, ...] = ()
    documents: tuple[dict, ...] = ()
    steps: tuple[str, ...] = ()
    conditions: str = ""
    result: str = ""
    legal_basis: tuple[dict, ...] = ()
    decision: str = ""
    url: str = ""
    aliases: tuple[str, ...] = ()
    source: dict = dc_field(default_factory=dict)

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> "Procedure":
        return cls(
            code=rec["code"],
            name=rec["name"],
            field=rec.get("field", ""),
            levels=tuple(rec.get("levels", ())),
            agency=rec.get("agency", ""),
            authority=rec.get("authority", ""),
            audience=rec.get("audience", ""),
            methods=tuple(rec.get("methods", ())),
            documents=tuple(rec.get("documents", ())),
            steps=tuple(rec.get("steps", ())),
            conditions=rec.get("conditions", ""),
            result=rec.get("result", ""),
            legal_basis=tuple(rec.get("legal_basis", ())),
            decision=rec.get("decision", ""),
            url=rec.get("url", ""),
            aliases=tuple(rec.get("aliases", ())),
            source=dict(rec.get("source", {})),
        )

    @property
    def is_local(self) -> bool:
        """Done at a province or commune (what a provincial hotline's citizens usually need)."""
        return any(level in ("Cấp tỉnh", "Cấp xã") for level in self.levels)


def load_catalog(path: Path) -> list[Procedure]:
    procedures = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                procedures.append(Procedure.from_record(json.loads(line)))
    return procedures


def file_fingerprint(path: Path) -> str:
    """Content hash of the catalog: the index is rebuilt whenever it changes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
