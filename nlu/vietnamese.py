"""Pure helpers behind the Vietnamese NLU components: no Rasa import, unit-tested in either env.

Both reuse the knowledge base's normalization (`knowledge_base.normalize`, stdlib only), so the
NLU and the search read a message the same way: "cccd", "căn cước công dân" and "can cuoc cong
dan" become the same words.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple

from knowledge_base.normalize import fold_accents, normalize_tone_marks, token_spans

# Characters that carry nothing and break matching: zero-width marks, BOM, soft hyphen, controls.
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}


def canonical_text(text: str) -> str:
    """NFC, invisible and control characters turned into spaces, old-style tone marks.

    Tone marks move within a word ("hoà" -> "hòa"), which keeps the length of NFC text; invisible
    and control characters become spaces rather than disappearing, for the same reason: character
    offsets of entities annotated on the text stay valid."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    chars = [" " if (ch in _INVISIBLE or (unicodedata.category(ch) == "Cc" and ch not in "\n\t")) else ch
             for ch in text]
    return normalize_tone_marks("".join(chars))


class WordToken(NamedTuple):
    text: str   # as typed
    start: int
    end: int
    lemma: str  # accent-folded, lowercase, abbreviations expanded: what featurizers read


def word_tokens(text: str) -> list[WordToken]:
    """Word tokens with offsets into `text` and a normalized lemma."""
    return [WordToken(s.text, s.start, s.end, fold_accents(s.normalized).lower())
            for s in token_spans(text)]
