"""Vietnamese text normalization for the 1022 public-service chatbot.

Pure library: only the standard library is imported at module import time.
``underthesea`` is optional and imported lazily by :func:`segment_words` only
(importing it pulls in torch/transformers and takes seconds).

The search engine calls :func:`normalize_query` on both citizen queries and
catalog texts, so both sides go through exactly the same pipeline::

    clean -> normalize_tone_marks -> expand_abbreviations -> lowercase
          -> fold_accents / tokenize

Public functions never raise on bad input (None, non-str, huge strings...).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, NamedTuple

from knowledge_base.abbreviations import (
    ABBREVIATIONS,
    COLLOQUIAL_TERMS,
    CONTEXTUAL,
    SINGLE_LETTER_GUARD_WORDS,
)

__all__ = [
    "MAX_LENGTH",
    "NormalizedText",
    "TONE_STYLES",
    "clean",
    "expand_abbreviations",
    "fold_accents",
    "normalize_query",
    "normalize_tone_marks",
    "segment_words",
    "tokenize",
]

#: Default maximum length (in characters) of a cleaned text.
MAX_LENGTH = 2000

# ---------------------------------------------------------------------------
# clean
# ---------------------------------------------------------------------------

# Characters removed outright: control (Cc, except whitespace which is turned
# into a space), format (Cf: zero-width space/joiners, BOM, RTL/LTR marks and
# embeddings, soft hyphen...), surrogates (Cs), private use (Co) and
# unassigned (Cn) code points.
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_WHITESPACE_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")


@lru_cache(maxsize=4096)
def _char_action(ch: str) -> str | None:
    """Return the replacement of one non-ASCII/control char (None = keep)."""
    if ch in _WHITESPACE_CONTROLS:
        return " "
    if unicodedata.category(ch) in _DROP_CATEGORIES:
        return ""
    return None


def _strip_invisible(text: str) -> str:
    # Fast path: str.isprintable() is False for every character of the
    # categories we drop (and for non-ASCII spaces), so printable text needs
    # no per-character work.
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if " " <= ch <= "~":
            out.append(ch)
            continue
        action = _char_action(ch)
        out.append(ch if action is None else action)
    return "".join(out)


def clean(text: Any, max_length: int = MAX_LENGTH) -> str:
    """Return a safe, canonical version of any input.

    None -> "", non-str -> ``str(value)``. Removes control, zero-width,
    bidi-control and other invisible characters, applies Unicode NFC,
    collapses all whitespace runs to one space, strips, and truncates to
    ``max_length`` characters. Idempotent; never raises.
    """
    try:
        if text is None:
            return ""
        if not isinstance(text, str):
            try:
                text = str(text)
            except Exception:
                return ""
        try:
            max_length = int(max_length)
        except (TypeError, ValueError, OverflowError):
            max_length = MAX_LENGTH
        if max_length < 0:
            max_length = MAX_LENGTH
        if max_length == 0 or not text:
            return ""
        # Bound the work on huge inputs: look at a generous prefix only.
        limit = max_length * 4 + 64
        if len(text) > limit:
            text = text[:limit]
        text = _strip_invisible(text)
        text = unicodedata.normalize("NFC", text)
        text = " ".join(text.split())
        if len(text) > max_length:
            text = text[:max_length]
            # A cut can separate a base letter from its combining mark.
            text = unicodedata.normalize("NFC", text)
            text = " ".join(text.split())
        return text
    except Exception:  # pragma: no cover - defensive, should be unreachable
        return ""


# ---------------------------------------------------------------------------
# Vietnamese letters, tone marks, folding
# ---------------------------------------------------------------------------

# The five tone marks as combining characters.
_TONES = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # huyền sắc ngã hỏi nặng
_VOWEL_BASES = "aăâeêioôơuưy"

# toned char -> (untoned char, tone index 1..5); (untoned, tone) -> toned
_SPLIT_TONE: dict[str, tuple[str, int]] = {}
_JOIN_TONE: dict[tuple[str, int], str] = {}
for _base in _VOWEL_BASES + _VOWEL_BASES.upper():
    for _i, _mark in enumerate(_TONES, start=1):
        _toned = unicodedata.normalize("NFC", _base + _mark)
        if len(_toned) == 1:
            _SPLIT_TONE[_toned] = (_base, _i)
            _JOIN_TONE[(_base, _i)] = _toned
del _base, _i, _mark, _toned

# Folding table for all Vietnamese letters (plus đ/Đ and the look-alike Ð).
_FOLD_TABLE: dict[int, str] = {}
for _ch in list(_SPLIT_TONE) + list("ăâêôơưĂÂÊÔƠƯ"):
    _decomposed = unicodedata.normalize("NFD", _ch)
    _FOLD_TABLE[ord(_ch)] = _decomposed[0]
_FOLD_TABLE.update({ord("đ"): "d", ord("Đ"): "D", ord("Ð"): "D", ord("ð"): "d"})
del _ch, _decomposed


def fold_accents(text: Any) -> str:
    """Remove all diacritics: "Đăng ký hộ khẩu" -> "Dang ky ho khau".

    "đ" -> "d", "Đ" -> "D". Works on composed and decomposed input; other
    characters (digits, punctuation, emoji) are kept. Never raises.
    """
    if not isinstance(text, str):
        text = clean(text)
    folded = text.translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    # Generic path: strip any remaining combining marks (decomposed input,
    # non-Vietnamese accented letters such as "é", "ñ").
    decomposed = unicodedata.normalize("NFD", folded)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped).translate(_FOLD_TABLE)


# -- syllable structure ------------------------------------------------------

# Initial consonants, longest first. "gi" and "qu" are handled specially.
_INITIALS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
)
_FINALS = frozenset({"", "c", "ch", "m", "n", "ng", "nh", "p", "t"})
# Vowel nuclei (without tone), after removing the "u" of "qu" / "i" of "gi".
_NUCLEI = frozenset(
    {
        "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
        "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu",
        "oa", "oă", "oe", "oi", "oo", "ôi", "ơi", "ua", "uâ", "uê", "ui",
        "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê",
        "iêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyê",
        "uyu", "ươi", "ươu", "yêu",
    }
)
_SHAPED = frozenset("ăâêôơư")
_VOWEL_SET = frozenset(_VOWEL_BASES)
_WORD_RE = re.compile(r"[^\W\d_]+")

#: Tone placement styles: "old" (traditional: hòa, thủy, khỏe) or
#: "new" (hoà, thuỷ, khoẻ). They only differ for open "oa", "oe", "uy".
TONE_STYLES = ("old", "new")


def _parse_syllable(low: str) -> tuple[int, int, int] | None:
    """Split an untoned lowercase syllable into (nucleus_start, nucleus_end, len).

    Returns None when the string is not a well-formed Vietnamese syllable.
    """
    start = 0
    for ini in _INITIALS:
        if low.startswith(ini):
            start = len(ini)
            break
    if low.startswith("gi") and (len(low) == 2 or low[2] not in _VOWEL_SET):
        start = 1  # "gì", "gìn": the "i" is the vowel
    elif low.startswith("q") and not low.startswith("qu"):
        return None
    end = start
    while end < len(low) and low[end] in _VOWEL_SET:
        end += 1
    if end == start:
        return None
    if low[start:end] not in _NUCLEI or low[end:] not in _FINALS:
        return None
    return start, end, len(low)


def _tone_position(nucleus: str, has_final: bool, style: str) -> int:
    """Index inside the nucleus that carries the tone mark."""
    for i in range(len(nucleus) - 1, -1, -1):
        if nucleus[i] in _SHAPED:
            return i  # ươ -> ơ, iê -> ê, uô -> ô, ưa -> ư ...
    if len(nucleus) == 1:
        return 0
    if has_final:
        return len(nucleus) - 1  # hoàn, huỳnh, xoóng
    if len(nucleus) == 3:
        return 1  # ngoài, xoáy, khuỷu
    if nucleus in ("oa", "oe", "uy"):
        return 1 if style == "new" else 0  # hoà/hòa, khoẻ/khỏe, thuỷ/thủy
    return 0  # mùa, kìa, núi, cháu


@lru_cache(maxsize=65536)
def _fix_word(word: str, style: str) -> str:
    tone = 0
    bases = []
    for ch in word:
        split = _SPLIT_TONE.get(ch)
        if split is None:
            bases.append(ch)
            continue
        if tone:
            return word  # two tone marks: not a Vietnamese syllable
        bases.append(split[0])
        tone = split[1]
    if not tone:
        return word
    untoned = "".join(bases)
    low = untoned.lower()
    if len(low) != len(untoned):
        return word
    parsed = _parse_syllable(low)
    if parsed is None:
        return word
    start, end, _ = parsed
    pos = start + _tone_position(low[start:end], end < len(low), style)
    chars = list(untoned)
    toned = _JOIN_TONE.get((chars[pos], tone))
    if toned is None:  # pragma: no cover - every vowel has all five tones
        return word
    chars[pos] = toned
    return "".join(chars)


def normalize_tone_marks(text: Any, style: str = "old") -> str:
    """Put every tone mark where the canonical style wants it.

    Fixes decomposed Unicode (NFC) and unifies placements such as
    "hoà"/"hòa", "thuỷ"/"thủy", "khoẻ"/"khỏe", "uỷ"/"ủy", and typos like
    "qúy" -> "quý", "gìa" -> "già", "ngừơi" -> "người". The default "old"
    (traditional) style is the one used by most administrative documents
    ("hòa", "thủy", "Ủy ban"); ``style="new"`` gives "hoà", "thuỷ".
    Only words that parse as a Vietnamese syllable are touched; case is
    preserved. Never raises.
    """
    if not isinstance(text, str):
        text = clean(text)
    if style not in TONE_STYLES:
        style = "old"
    try:
        text = unicodedata.normalize("NFC", text)
    except Exception:  # pragma: no cover - lone surrogates are fine for NFC
        return text
    if text.isascii():
        return text
    fix = _fix_piece_old if style == "old" else _fix_piece_new
    return "".join([fix(piece) for piece in _WS_SPLIT_RE.split(text)])


# Whitespace-delimited pieces are cached as a whole: a query is then mostly
# dictionary look-ups. Splitting with a capture group keeps the whitespace.
_WS_SPLIT_RE = re.compile(r"(\s+)")


@lru_cache(maxsize=32768)
def _fix_piece_old(piece: str) -> str:
    if piece.isascii():
        return piece
    return _WORD_RE.sub(lambda m: _fix_word(m.group(), "old"), piece)


@lru_cache(maxsize=4096)
def _fix_piece_new(piece: str) -> str:
    if piece.isascii():
        return piece
    return _WORD_RE.sub(lambda m: _fix_word(m.group(), "new"), piece)


# ---------------------------------------------------------------------------
# Abbreviation expansion
# ---------------------------------------------------------------------------

# A chunk is a run of letters/digits, possibly joined by ".", "/" or "-"
# ("1.004222", "68/2020/qh14", "tp.hcm", "a/c", "cà-vẹt").
_CHUNK_RE = re.compile(r"[^\W_]+(?:[./\-][^\W_]+)*")
_SEP_RE = re.compile(r"[./\-]")
# Separators allowed between the tokens of a phrase ("nn&mt" is "nn mt").
_PHRASE_GAP_RE = re.compile(r"\s*&\s*|\s+|[.\-]")
_HAS_DIGIT_RE = re.compile(r"\d")


def _split_phrase_keys(table: dict[str, str]) -> dict[tuple[str, ...], str]:
    return {tuple(key.split(" ")): value for key, value in table.items()}


_ABBR = _split_phrase_keys(ABBREVIATIONS)
_COLLOQ = _split_phrase_keys(COLLOQUIAL_TERMS)
# First token of every multi-token phrase -> the phrase lengths to try
# (longest first), so most tokens skip phrase matching entirely.
_PHRASE_SIZES: dict[str, tuple[int, ...]] = {}
for _key in list(_ABBR) + list(_COLLOQ):
    if len(_key) > 1:
        _sizes = set(_PHRASE_SIZES.get(_key[0], ())) | {len(_key)}
        _PHRASE_SIZES[_key[0]] = tuple(sorted(_sizes, reverse=True))
del _key
# Single-token entries, and every token that can start a replacement.
_ABBR1 = {k[0]: v for k, v in _ABBR.items() if len(k) == 1}
_COLLOQ1 = {k[0]: v for k, v in _COLLOQ.items() if len(k) == 1}
_OFFICIAL_TOKENS = {v: tuple(v.split(" ")) for v in COLLOQUIAL_TERMS.values()}
_TRIGGERS = frozenset(_ABBR1) | frozenset(_COLLOQ1) | frozenset(_PHRASE_SIZES) | frozenset(CONTEXTUAL)
_SLASH_KEYS = frozenset(k for k in ABBREVIATIONS if "/" in k)
# Contextual rules with their prev/next phrases pre-split into token tuples.
_Phrases = tuple[tuple[str, ...], ...]
_CONTEXT: dict[str, tuple[tuple[_Phrases | None, _Phrases | None, str], ...]] = {
    key: tuple(
        (
            tuple(tuple(p.split(" ")) for p in rule["prev"]) if "prev" in rule else None,
            tuple(tuple(p.split(" ")) for p in rule["next"]) if "next" in rule else None,
            rule["to"],
        )
        for rule in rules
    )
    for key, rules in CONTEXTUAL.items()
}


@lru_cache(maxsize=65536)
def _canon(token: str) -> str:
    """Lookup form of a token: lowercase, NFC, canonical tone placement."""
    low = token.lower()
    if low.isascii():
        return low
    return _fix_word(unicodedata.normalize("NFC", low), "old")


class _Unit(NamedTuple):
    start: int
    end: int
    text: str
    key: str  # lookup form (see _canon)
    atomic: bool  # contains a digit: a code, never split or joined


@lru_cache(maxsize=32768)
def _piece_units(piece: str) -> tuple[tuple[int, int, str, bool], ...]:
    """(start, end, key, atomic) of the units of one whitespace-free piece."""
    found: list[tuple[int, int, str, bool]] = []
    for m in _CHUNK_RE.finditer(piece):
        chunk = m.group()
        start = m.start()
        if _HAS_DIGIT_RE.search(chunk):
            found.append((start, m.end(), chunk.lower(), True))
        elif _SEP_RE.search(chunk) and chunk.lower() not in _SLASH_KEYS:
            pos = start
            for part in _SEP_RE.split(chunk):
                found.append((pos, pos + len(part), _canon(part), False))
                pos += len(part) + 1
        else:
            found.append((start, m.end(), _canon(chunk), False))
    return tuple(found)


_PIECE_RE = re.compile(r"\S+")
_new_tuple = tuple.__new__


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    add = units.append
    for m in _PIECE_RE.finditer(text):
        base = m.start()
        for start, end, key, atomic in _piece_units(m.group()):
            start += base
            end += base
            # tuple.__new__ skips NamedTuple's slow Python-level constructor.
            add(_new_tuple(_Unit, (start, end, text[start:end], key, atomic)))
    return units


def _phrase_matches(keys: list[str], at: int, phrase: tuple[str, ...]) -> bool:
    return tuple(keys[at:at + len(phrase)]) == phrase


def _context_ok(keys: list[str], i: int, prev: _Phrases | None, nxt: _Phrases | None) -> bool:
    if prev is not None and not any(
        i - len(p) >= 0 and _phrase_matches(keys, i - len(p), p) for p in prev
    ):
        return False
    if nxt is not None and not any(_phrase_matches(keys, i + 1, p) for p in nxt):
        return False
    return True


def _single_letter_allowed(text: str, units: list[_Unit], i: int) -> bool:
    """Single letters ("k", "v", "e"...) are teencode only in chat-like use."""
    unit = units[i]
    if not unit.text.islower():
        return False  # "V" (roman numeral), "E" (licence class), initials
    after = text[unit.end:unit.end + 1]
    if after == ")":
        return False  # enumerations "e) Bản sao..."
    if after in ("-", "/", ".") or text[max(unit.start - 1, 0):unit.start] in ("-", "/"):
        return False  # part of a hyphenated or dotted word: "e-visa", "a/c", "v.v."
    if i > 0:
        prev = units[i - 1]
        if prev.key in SINGLE_LETTER_GUARD_WORDS:
            return False  # "điểm e", "hạng e"
        if prev.atomic and unit.key != "h":
            return False  # "50 k" (thousand), "2 r"...
        gap = text[prev.end:unit.start]
        if len(prev.key) == 1 and ("," in gap or ";" in gap):
            return False  # "a, b, c, d, đ, e"
    if i + 1 < len(units):
        nxt = units[i + 1]
        gap = text[unit.end:nxt.start]
        if len(nxt.key) == 1 and ("," in gap or ";" in gap):
            return False
    return True


def expand_abbreviations(text: Any) -> str:
    """Expand abbreviations, teencode and colloquial names, token-wise.

    Matching is case-insensitive on whole tokens (word boundaries), for
    accented and unaccented spellings listed in
    :mod:`knowledge_base.abbreviations`: "cccd" -> "căn cước công dân",
    "ko" -> "không", "đc" -> "được", "ntn" -> "như thế nào". Expansions are
    inserted in lowercase; the rest of the text is untouched. Colloquial
    names are kept and followed by the official term ("sổ đỏ" ->
    "sổ đỏ giấy chứng nhận quyền sử dụng đất"). Ambiguous short forms are
    resolved from their neighbours (``CONTEXTUAL``) or left alone. Codes
    containing digits ("68/2020/nđ-cp", "1.004222") are never altered.
    Never raises.
    """
    if not isinstance(text, str):
        text = clean(text)
    if not text:
        return text
    try:
        return _expand(text)
    except Exception:  # pragma: no cover - defensive
        return text


def _expansion_edits(text: str, units: list[_Unit]) -> list[tuple[int, int, str, bool]]:
    """(first unit, unit count, replacement, keep original) for every expansion in `text`."""
    keys = [u.key for u in units]
    triggers = _TRIGGERS
    if not any(k in triggers for k in keys):
        return []
    n = len(units)
    edits: list[tuple[int, int, str, bool]] = []
    i = 0
    # joinable[j]: units j and j+1 may belong to the same phrase.
    joinable: list[bool] | None = None
    while i < n:
        if keys[i] not in triggers:
            i += 1
            continue
        replacement: str | None = None
        append = False
        span = 1
        # 1. Longest phrase (2+ tokens) from either table.
        for size in _PHRASE_SIZES.get(keys[i], ()):
            if i + size > n:
                continue
            if joinable is None:
                # A bare number may start or join a phrase ("2 thành viên"); other codes never do.
                joinable = [
                    (not units[j].atomic or units[j].key.isdigit())
                    and (not units[j + 1].atomic or units[j + 1].key.isdigit())
                    and _PHRASE_GAP_RE.fullmatch(text[units[j].end:units[j + 1].start]) is not None
                    for j in range(n - 1)
                ]
            if not all(joinable[i:i + size - 1]):
                continue
            key = tuple(keys[i:i + size])
            if key in _ABBR:
                replacement, span = _ABBR[key], size
            elif key in _COLLOQ:
                replacement, span, append = _COLLOQ[key], size, True
            if replacement is not None:
                break
        # 2. Single token: contextual rules, then the plain tables.
        if replacement is None:
            key = keys[i]
            if key in _CONTEXT:
                for prev, nxt, to in _CONTEXT[key]:
                    if _context_ok(keys, i, prev, nxt):
                        replacement = to
                        break
            elif key in _ABBR1:
                replacement = _ABBR1[key]
            elif key in _COLLOQ1:
                replacement, append = _COLLOQ1[key], True
            if (
                replacement is not None
                and len(key) == 1
                and not _single_letter_allowed(text, units, i)
            ):
                replacement = None
        if replacement is None:
            i += 1
            continue
        if append and _phrase_matches(keys, i + span, _OFFICIAL_TOKENS[replacement]):
            # Already followed by the official term (text normalized twice).
            i += span
            continue
        edits.append((i, span, replacement, append))
        i += span
    return edits


def _expand(text: str) -> str:
    units = _units(text)
    edits = _expansion_edits(text, units) if units else []
    if not edits:
        return text
    out: list[str] = []
    last = 0
    for i, span, replacement, append in edits:
        start, end = units[i].start, units[i + span - 1].end
        out.append(text[last:start])
        if append:
            out.append(text[start:end])
            out.append(" ")
        out.append(replacement)
        last = end
    out.append(text[last:])
    return "".join(out)


class TokenSpan(NamedTuple):
    start: int       # offsets in the text as given, so entities keep their positions
    end: int
    text: str        # the characters as typed
    normalized: str  # lowercase, tone-normalized, abbreviation expanded ("cccd" -> "căn cước công dân")


def token_spans(text: Any) -> list[TokenSpan]:
    """Word tokens of `text` with their character offsets and normalized forms. Never raises.

    Offsets refer to `text` itself (not to a cleaned copy), which is what a tokenizer inside an
    NLU pipeline needs. An abbreviation spanning several words gives them its words one by one
    when the counts agree ("dc ko" -> "được", "không"), else all to its first word; a colloquial name keeps its words and adds the
    official term to its last word ("sổ đỏ" -> "sổ", "đỏ giấy chứng nhận ...").
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        units = _units(text)
        normalized = [u.key for u in units]
        for i, span, replacement, append in _expansion_edits(text, units):
            if append:
                last = i + span - 1
                normalized[last] = f"{normalized[last]} {replacement}"
            elif span > 1 and len(replacement.split()) == span:
                normalized[i:i + span] = replacement.split()  # "dc ko" -> "được", "không"
            else:
                normalized[i] = replacement
        return [TokenSpan(u.start, u.end, u.text, norm) for u, norm in zip(units, normalized)]
    except Exception:  # pragma: no cover - defensive
        return []


# ---------------------------------------------------------------------------
# Tokenization and word segmentation
# ---------------------------------------------------------------------------


def tokenize(text: Any) -> list[str]:
    """Lowercase syllable tokens (letters and digits, Vietnamese included).

    Punctuation and emoji are dropped. Codes containing a digit are kept as
    one token: "1.004222", "68/2020/qh14", "b2", "50k". Letter-only chunks
    joined by ".", "/" or "-" are split ("cccd/cmnd" -> "cccd", "cmnd").
    """
    if not isinstance(text, str):
        text = clean(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    tokens: list[str] = []
    for piece in text.lower().split():
        tokens.extend(_piece_tokens(piece))
    return tokens


@lru_cache(maxsize=32768)
def _piece_tokens(piece: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for m in _CHUNK_RE.finditer(piece):
        chunk = m.group()
        if _HAS_DIGIT_RE.search(chunk) or not _SEP_RE.search(chunk):
            tokens.append(chunk)
        else:
            tokens.extend(p for p in _SEP_RE.split(chunk) if p)
    return tuple(tokens)


_UNSET: Any = object()
#: Cached underthesea ``word_tokenize`` (None when unavailable).
_SEGMENTER: Any = _UNSET


def _get_segmenter() -> Callable[..., Any] | None:
    """Import underthesea's word_tokenize once; None if it cannot be used."""
    global _SEGMENTER
    if _SEGMENTER is _UNSET:
        try:
            from underthesea import word_tokenize  # type: ignore[import-not-found]

            _SEGMENTER = word_tokenize
        except Exception:  # ImportError, broken install, missing model...
            _SEGMENTER = None
    return _SEGMENTER


def _has_vietnamese_marks(text: str) -> bool:
    return any(ord(c) in _FOLD_TABLE for c in text)


def segment_words(text: Any, use_underthesea: bool = True) -> list[str]:
    """Word segmentation: multi-syllable words joined with "_", lowercase.

    Uses ``underthesea.word_tokenize`` when it is importable
    ("căn cước công dân" -> ["căn_cước", "công_dân"]), otherwise falls back
    to :func:`tokenize` syllables. Codes ("68/2020/qh14") are kept whole and
    never sent to underthesea. Unaccented text also falls back to syllables,
    because underthesea segments it unreliably ("xac nhan tinh trang" ->
    "nhan_tinh"). The first call loads underthesea (seconds). Never raises.
    """
    try:
        text = clean(text)
        if not text:
            return []
        segmenter = _get_segmenter() if use_underthesea else None
        if segmenter is None or not _has_vietnamese_marks(text):
            return tokenize(text)
        return _segment_with(segmenter, text)
    except Exception:
        try:
            return tokenize(text)
        except Exception:  # pragma: no cover - defensive
            return []


def _segment_with(segmenter: Callable[..., Any], text: str) -> list[str]:
    result: list[str] = []
    pending_start = None
    pending_end = 0

    def flush(start: int | None, end: int) -> None:
        if start is None:
            return
        piece = text[start:end]
        try:
            words = segmenter(piece)
        except Exception:
            result.extend(tokenize(piece))
            return
        for word in words:
            syllables = tokenize(str(word))
            if syllables:
                result.append("_".join(syllables))

    for m in _CHUNK_RE.finditer(text):
        if _HAS_DIGIT_RE.search(m.group()):
            flush(pending_start, pending_end)
            pending_start = None
            result.append(m.group().lower())
        else:
            if pending_start is None:
                pending_start = m.start()
            pending_end = m.end()
    flush(pending_start, pending_end)
    return result


# ---------------------------------------------------------------------------
# Query normalization
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NormalizedText:
    """All normalized views of one text.

    ``original``      cleaned input (display form, case and accents kept);
    ``accented``      tone-normalized, abbreviations expanded, lowercase;
    ``folded``        ``accented`` without diacritics;
    ``tokens``        ``tokenize(accented)`` as a tuple;
    ``folded_tokens`` the same tokens without diacritics.
    """

    original: str
    accented: str
    folded: str
    tokens: tuple[str, ...]
    folded_tokens: tuple[str, ...]


_EMPTY = NormalizedText("", "", "", (), ())


def normalize_query(text: Any, max_length: int = MAX_LENGTH) -> NormalizedText:
    """Normalize a query or a catalog text for search. Never raises.

    Fast (pure Python, cached per word); underthesea is never called here.
    """
    try:
        original = clean(text, max_length)
        if not original:
            return _EMPTY
        accented = normalize_tone_marks(original)
        accented = _expand(accented).lower()
        accented = " ".join(accented.split())
        tokens = tuple(tokenize(accented))
        # Tokens never contain spaces, so one fold call serves them all.
        folded_tokens = tuple(fold_accents(" ".join(tokens)).split(" ")) if tokens else ()
        return NormalizedText(
            original=original,
            accented=accented,
            folded=fold_accents(accented),
            tokens=tokens,
            folded_tokens=folded_tokens,
        )
    except Exception:  # pragma: no cover - defensive
        return _EMPTY
