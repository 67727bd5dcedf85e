"""VietnameseNormalizer: puts the message text into one canonical form before tokenization."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.vietnamese import canonical_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class VietnameseNormalizer(GraphComponent):
    """NFC, tone-mark placement and invisible characters, without moving any character offset.

    Placed first in the pipeline. Registered as a featurizer because Rasa has no pre-processing
    component type; it adds no features."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "VietnameseNormalizer":
        return cls()

    @staticmethod
    def _normalize(message: Message, keep_length: bool) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text:
            return
        canonical = canonical_text(text)
        if canonical == text:
            return
        # Entity offsets of training examples refer to the text as written: never change its length.
        if keep_length and len(canonical) != len(text):
            return
        message.set(TEXT, canonical)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example, keep_length=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        # A live message has no entity offsets yet: NFD from some keyboards becomes NFC here.
        for message in messages:
            self._normalize(message, keep_length=False)
        return messages
