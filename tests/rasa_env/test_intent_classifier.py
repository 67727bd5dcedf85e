"""VietnameseIntentClassifier as a Rasa graph component, on features from the real tokenizer and
count featurizers."""

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.intent_classifier import FeatureLayout, VietnameseIntentClassifier, sentence_blocks
from nlu.tokenizer import VietnameseTokenizer

TRAINING = {
    "ask_fee": ["lệ phí bao nhiêu", "hết bao nhiêu tiền ạ", "phi bao nhieu", "mất tiền không ad",
                "lệ phí làm hộ chiếu", "chi phi la bao nhieu"],
    "ask_time": ["mất bao lâu", "bao lâu thì xong", "bao lau co ket qua", "mấy ngày thì có",
                 "thời gian giải quyết", "thoi han bao lau"],
    "greet": ["xin chào", "chào ad", "chao ban", "hello", "alo ad ơi", "chào buổi sáng"],
}


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def context(name):
    return ExecutionContext(GraphSchema({}), node_name=name)


@pytest.fixture
def featurize(storage):
    """Tokenizer plus word and character count featurizers, trained on TRAINING, as in config.yml."""
    tokenizer = VietnameseTokenizer(VietnameseTokenizer.get_default_config())
    featurizers = []
    for name, extra in (("words", {}), ("chars", {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4})):
        config = {**CountVectorsFeaturizer.get_default_config(), **extra}
        featurizers.append(CountVectorsFeaturizer.create(config, storage, Resource(name), context(name)))
    examples = [Message(data={TEXT: t, INTENT: intent}) for intent, texts in TRAINING.items() for t in texts]
    data = TrainingData(examples)
    tokenizer.process_training_data(data)
    for featurizer in featurizers:
        featurizer.train(data)
        featurizer.process_training_data(data)

    def run(texts):
        messages = [Message(data={TEXT: t}) for t in texts]
        tokenizer.process(messages)
        for featurizer in featurizers:
            featurizer.process(messages)
        return messages

    return data, run


def test_learns_intents_from_the_pipeline_features_and_ranks_them(featurize, storage):
    data, run = featurize
    classifier = VietnameseIntentClassifier.create({}, storage, Resource("intents"), context("intents"))
    classifier.train(data)
    messages = run(["le phi bao nhieu vay", "bao lâu thì có kết quả", "chào ad ạ"])
    classifier.process(messages)
    assert [m.get(INTENT)["name"] for m in messages] == ["ask_fee", "ask_time", "greet"]
    for message in messages:
        ranking = message.get(INTENT_RANKING_KEY)
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(1.0)
        assert ranking[0] == message.get(INTENT)


def test_persisted_model_gives_the_same_probabilities_without_retraining(featurize, storage):
    data, run = featurize
    resource = Resource("intents")
    trained = VietnameseIntentClassifier.create({}, storage, resource, context("intents"))
    trained.train(data)
    loaded = VietnameseIntentClassifier.load({}, storage, resource, context("intents"))
    assert loaded.classes == ["ask_fee", "ask_time", "greet"]
    messages = run(["phí bao nhiêu", "mấy ngày xong", "hello ad", "😀"])
    np.testing.assert_allclose(loaded.probabilities(messages), trained.probabilities(messages), rtol=1e-5)


def test_an_untrained_model_leaves_messages_alone(storage):
    loaded = VietnameseIntentClassifier.load({}, storage, Resource("missing"), context("missing"))
    message = Message(data={TEXT: "xin chào"})
    loaded.process([message])
    assert message.get(INTENT) is None


def sentence_features(sparse_row, dense_row):
    message = Message(data={TEXT: "x"})
    message.add_features(Features(scipy.sparse.coo_matrix(np.array([sparse_row], dtype=float)),
                                  FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    if dense_row is not None:
        message.add_features(Features(np.array([dense_row], dtype=np.float32), FEATURE_TYPE_SENTENCE, TEXT,
                                      "embedder"))
    return message


def test_blocks_are_weighted_like_tf_idf_and_normalised_each_on_its_own():
    messages = [sentence_features([2, 1, 0], [3.0, 4.0]), sentence_features([1, 0, 1], [0.0, 1.0])]
    blocks = [sentence_blocks(m) for m in messages]
    assert set(blocks[0]) == {"sparse:counts", "dense:embedder"}
    layout = FeatureLayout.fit(blocks, dense_weight=2.0)
    X = layout.transform(blocks).toarray()
    # Sorted block order: dense first, then sparse.
    np.testing.assert_allclose(X[0, :2], [1.2, 1.6])  # (3, 4) / 5 * 2
    counts = X[0, 2:]
    # The word in every message weighs less than the rarer one, and the block has unit length.
    idf_common, idf_rare = 1.0, np.log(3 / 2) + 1.0
    expected = np.array([np.log1p(2) * idf_common, np.log1p(1) * idf_rare, 0.0])
    np.testing.assert_allclose(counts, expected / np.linalg.norm(expected))


def test_a_message_missing_a_block_is_still_classified(storage):
    examples = [sentence_features([1, 0], [1.0, 0.0]), sentence_features([0, 1], [0.0, 1.0])] * 3
    for message, intent in zip(examples, ["greet", "goodbye"] * 3):
        message.set(INTENT, intent)
    classifier = VietnameseIntentClassifier.create({}, storage, Resource("two"), context("two"))
    classifier.train(TrainingData(examples))
    without_dense = sentence_features([0, 1], None)
    classifier.process([without_dense])
    assert without_dense.get(INTENT)["name"] == "goodbye"
    # Two intents make a binary model: its probabilities still add up.
    assert sum(r["confidence"] for r in without_dense.get(INTENT_RANKING_KEY)) == pytest.approx(1.0)
