"""The Vietnamese normalizer and tokenizer as Rasa graph components."""

import unicodedata

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT, TEXT_TOKENS
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.normalizer import VietnameseNormalizer
from nlu.tokenizer import VietnameseTokenizer


@pytest.fixture
def tokenizer():
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config())


def test_tokens_keep_offsets_and_carry_normalized_lemmas(tokenizer):
    message = Message(data={TEXT: "Cho e hỏi làm CCCD ở đâu ạ?"})
    tokenizer.process([message])
    tokens = message.get(TEXT_TOKENS)
    assert [t.text for t in tokens] == ["Cho", "e", "hỏi", "làm", "CCCD", "ở", "đâu", "ạ"]
    for t in tokens:
        assert message.get(TEXT)[t.start:t.end] == t.text
    lemmas = {t.text: t.lemma for t in tokens}
    assert lemmas["CCCD"] == "can cuoc cong dan" and lemmas["e"] == "em" and lemmas["hỏi"] == "hoi"


def test_accented_and_unaccented_messages_give_the_same_lemmas(tokenizer):
    a, b = Message(data={TEXT: "đăng ký kết hôn"}), Message(data={TEXT: "dang ky ket hon"})
    tokenizer.process([a, b])
    assert [t.lemma for t in a.get(TEXT_TOKENS)] == [t.lemma for t in b.get(TEXT_TOKENS)]


def test_entity_spans_of_training_examples_align_with_tokens(tokenizer):
    text = "cho em hỏi cấp đổi cccd cần giấy tờ gì ạ"
    start = text.index("cấp đổi cccd")
    example = Message(data={TEXT: text, INTENT: "ask_documents",
                            ENTITIES: [{"start": start, "end": start + len("cấp đổi cccd"),
                                        "value": "cấp đổi cccd", "entity": "procedure"}]})
    tokenizer.process_training_data(TrainingData([example]))
    tokens = example.get(TEXT_TOKENS)
    starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
    entity = example.get(ENTITIES)[0]
    assert entity["start"] in starts and entity["end"] in ends


def test_emoji_only_message_still_has_a_token(tokenizer):
    message = Message(data={TEXT: "👍👍"})
    tokenizer.process([message])
    assert [t.text for t in message.get(TEXT_TOKENS)] == ["👍👍"]


def test_normalizer_canonicalises_without_moving_offsets():
    normalizer = VietnameseNormalizer()
    message = Message(data={TEXT: "hoà\u200bgiải"})
    normalizer.process([message])
    assert message.get(TEXT) == "hòa giải"
    # NFD input changes length under NFC: left alone rather than shifting entity offsets.
    nfd = unicodedata.normalize("NFD", "hộ chiếu")
    example = Message(data={TEXT: nfd})
    normalizer.process_training_data(TrainingData([example]))
    assert example.get(TEXT) == nfd
    live = Message(data={TEXT: nfd})
    normalizer.process([live])
    assert live.get(TEXT) == "hộ chiếu"
