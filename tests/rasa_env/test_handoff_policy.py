"""HandoffPolicy: while an operator owns the conversation the bot relays, and only then."""

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from policies.handoff import HandoffPolicy, relay_decision

RELAY = "action_relay_to_operator"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("active, latest, intent, expected", [
    (False, ACTION_LISTEN_NAME, "ask_fee", None),          # the bot answers as usual
    (True, ACTION_LISTEN_NAME, "ask_fee", RELAY),           # any message goes to the operator
    (True, ACTION_LISTEN_NAME, "nlu_fallback", RELAY),
    (True, ACTION_LISTEN_NAME, "out_of_scope", RELAY),
    (True, RELAY, "ask_fee", ACTION_LISTEN_NAME),           # then the bot waits
    (True, ACTION_LISTEN_NAME, "EXTERNAL_ticket_update", None),  # the backend's updates pass
    (True, ACTION_LISTEN_NAME, "restart", None),            # so does /restart
    (True, "action_ticket_update", "EXTERNAL_ticket_update", None),
    (True, ACTION_LISTEN_NAME, "check_ticket_status", None),  # the bot knows the status itself
])
def test_relay_decision(active, latest, intent, expected):
    assert relay_decision(active, latest, intent, RELAY, ["check_ticket_status"]) == expected


@pytest.fixture
def policy(tmp_path):
    storage = LocalModelStorage(tmp_path)
    return HandoffPolicy.create(HandoffPolicy.get_default_config(), storage, Resource("handoff"),
                                ExecutionContext(GraphSchema({}), node_name="handoff"))


def test_the_policy_predicts_the_relay_with_certainty_and_above_rules(policy):
    domain = Domain.load(ROOT / "domain.yml")
    tracker = DialogueStateTracker.from_events("citizen", [
        ActionExecuted(ACTION_LISTEN_NAME), SlotSet("handoff_active", True),
        UserUttered("lệ phí bao nhiêu", intent={"name": "ask_fee", "confidence": 0.9}),
    ], slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    assert domain.action_names_or_texts[prediction.max_confidence_index] == RELAY
    assert prediction.max_confidence == 1.0 and prediction.policy_priority > 4  # RulePolicy's is 4

    tracker.update(SlotSet("handoff_active", False))
    assert policy.predict_action_probabilities(tracker, domain).max_confidence == 0.0


def test_training_persists_something_loadable(policy, tmp_path):
    domain = Domain.load(ROOT / "domain.yml")
    resource = policy.train([], domain)
    loaded = HandoffPolicy.load(HandoffPolicy.get_default_config(), LocalModelStorage(tmp_path), resource,
                                ExecutionContext(GraphSchema({}), node_name="handoff"))
    assert loaded.priority == 5
