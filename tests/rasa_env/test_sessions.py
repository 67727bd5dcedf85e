"""Session behaviour of the trained assistant: expiry after an hour of silence forgets the context."""

import asyncio
import time
from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

MODEL = Path(__file__).resolve().parents[2] / "models" / "tongdai1022.tar.gz"
pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make model`")


@pytest.fixture(scope="module")
def agent():
    return Agent.load(str(MODEL))


def _tracker(agent, sender, minutes_ago):
    t = time.time() - minutes_ago * 60
    events = [ActionExecuted("action_session_start", timestamp=t), SessionStarted(timestamp=t),
              ActionExecuted("action_listen", timestamp=t),
              UserUttered("đăng ký thường trú", {"name": "ask_procedure", "confidence": 1.0}, timestamp=t),
              SlotSet("procedure_code", "1.004222", timestamp=t), ActionExecuted("action_listen", timestamp=t)]
    return DialogueStateTracker.from_events(sender, events, slots=agent.domain.slots)


async def _talk(agent, sender, minutes_ago):
    await agent.tracker_store.save(_tracker(agent, sender, minutes_ago))
    replies = await agent.handle_text("chào ad", sender_id=sender)
    tracker = await agent.tracker_store.retrieve_full_tracker(sender)
    return replies, tracker


def test_session_config():
    from rasa.shared.core.domain import Domain

    config = Domain.load(str(MODEL.parents[1] / "domain.yml")).session_config
    assert config.session_expiration_time == 60 and config.carry_over_slots is False


def test_an_hour_of_silence_starts_a_new_session_without_the_old_procedure(agent):
    replies, tracker = asyncio.run(_talk(agent, "expired-citizen", minutes_ago=90))
    assert "Tổng đài 1022" in replies[0]["text"]
    assert sum(isinstance(e, SessionStarted) for e in tracker.events) == 2
    assert tracker.get_slot("procedure_code") is None


def test_a_short_pause_keeps_the_context(agent):
    _, tracker = asyncio.run(_talk(agent, "active-citizen", minutes_ago=5))
    assert sum(isinstance(e, SessionStarted) for e in tracker.events) == 1
    assert tracker.get_slot("procedure_code") == "1.004222"
