"""HandoffPolicy: while an operator owns the conversation, the bot only relays.

After escalation the ticket's conversation belongs to a person (slot `handoff_active`). Every
message the citizen sends then goes to the operator (`action_relay_to_operator`, which attaches
it to the ticket) instead of being answered by the bot; the bot resumes when the backend hands the
conversation back (an `EXTERNAL_` intent, which this policy lets through, as it does Rasa's own
commands such as /restart and a question about the ticket's status).

A policy rather than rules, because "any message while handed off" would need a rule per intent.
Its priority is above RulePolicy's (4), so its certain prediction wins a tie.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME, USER_INTENT_RESTART, USER_INTENT_SESSION_START
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


def relay_decision(handoff_active: bool, latest_action: Optional[str], intent: Optional[str],
                   relay_action: str, bot_intents: Sequence[str] = ()) -> Optional[str]:
    """The action to run, or None to let the other policies decide (pure, unit-tested).
    `bot_intents` stay with the bot even then (a status question needs no operator)."""
    if not handoff_active:
        return None
    if latest_action == relay_action:
        return ACTION_LISTEN_NAME
    if latest_action != ACTION_LISTEN_NAME:
        return None
    if intent and (intent.startswith("EXTERNAL_") or intent in (USER_INTENT_RESTART, USER_INTENT_SESSION_START)
                   or intent in bot_intents):
        return None
    return relay_action


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class HandoffPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 5, "slot": "handoff_active", "relay_action": "action_relay_to_operator",
                "bot_intents": ["check_ticket_status"]}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 execution_context: ExecutionContext, featurizer=None) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing to learn; persist an empty resource so that loading finds it.
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        action = relay_decision(bool(tracker.get_slot(self.config["slot"])), tracker.latest_action_name, intent,
                                self.config["relay_action"], self.config.get("bot_intents") or ())
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
