"""Tests that run inside the rasa env (`make test` runs them with .venv/rasa's Python)."""
import pytest

rasa = pytest.importorskip("rasa")
