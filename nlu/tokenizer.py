"""VietnameseTokenizer: syllable tokens with exact offsets and normalized lemmas.

Word segmenters for Vietnamese (pyvi, underthesea) join syllables with "_" ("đăng_ký"), which
breaks character offsets and fails on text without diacritics. Here every syllable is a token at
its real position in the message, and its lemma is the normalized form (accent-folded,
abbreviations expanded: "cccd" -> "can cuoc cong dan"), which CountVectorsFeaturizer reads with
`use_lemma: true` (its default). Entities keep the citizen's own spelling and positions.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from nlu.vietnamese import word_tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["vi"]

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [Token(w.text, w.start, w.end, lemma=w.lemma) for w in word_tokens(text)]
        if not tokens and text.strip():
            # Emoji or punctuation only: one token for the whole text, as Rasa's own tokenizers do.
            stripped = text.strip()
            start = text.index(stripped)
            tokens = [Token(stripped, start, start + len(stripped))]
        return self._apply_token_pattern(tokens)
