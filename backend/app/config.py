"""Backend settings: one typed object, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    # Load the knowledge base at start-up (tests of unrelated routes may switch it off).
    load_knowledge_base: bool = True
    # Rasa's public address, as the citizen's browser reaches it (the widget's socket.io server).
    rasa_public_url: str = "http://localhost:5005"

    @classmethod
    def from_env(cls) -> "Settings":
        return cls(
            environment=os.environ.get("APP_ENV", "development"),
            load_knowledge_base=os.environ.get("BACKEND_LOAD_KB", "1") not in ("0", "false", "no"),
            rasa_public_url=os.environ.get("RASA_PUBLIC_URL", "http://localhost:5005").rstrip("/"),
        )
