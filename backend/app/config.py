"""Backend settings: one typed object, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    # Load the knowledge base at start-up (tests of unrelated routes may switch it off).
    load_knowledge_base: bool = True

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            environment=os.environ.get("APP_ENV", "development"),
            load_knowledge_base=os.environ.get("BACKEND_LOAD_KB", "1") not in ("0", "false", "no"),
        )
