"""Secrets come from the environment only: nothing in the repository looks like a real credential,
and the settings that hold secrets read them from the environment (production refuses the
development defaults: tests/backend/test_config.py)."""

from __future__ import annotations

import re
import subprocess

from tests.stack import ROOT

# Shapes of real credentials of the services this project talks to.
SECRET_SHAPES = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----"),
    "Telegram bot token": re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b"),
    "Meta page access token": re.compile(r"\bEAA[A-Za-z0-9]{60,}\b"),
    "password in a database URL": re.compile(r"postgres(?:ql)?(?:\+psycopg)?://[^:/@\s]+:[^@\s$<{]{6,}@"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
}
# Placeholders tests use on purpose (test_config checks that a URL's password never reaches a log).
PLACEHOLDERS = ("hunter2",)
SKIP = (".jsonl", ".npz", ".npy", ".gz", ".bin", ".png", ".ico", ".woff2")


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if line and not line.endswith(SKIP)]


def test_no_credentials_in_the_repository():
    found = []
    for name in tracked_files():
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError, IsADirectoryError):
            continue
        for kind, shape in SECRET_SHAPES.items():
            for match in shape.finditer(text):
                if not any(p in match.group(0) for p in PLACEHOLDERS):
                    found.append((name, kind, match.group(0)[:12] + "…"))
    assert not found, found


def test_the_shapes_would_catch_real_credentials():
    samples = {"Telegram bot token": "123456789:AAH" + "x" * 32,
               "Meta page access token": "EAA" + "B" * 80,
               "password in a database URL": "postgresql+psycopg://app:" + "s3cretpass@db:5432/x"}
    for kind, sample in samples.items():
        assert SECRET_SHAPES[kind].search(sample), kind
