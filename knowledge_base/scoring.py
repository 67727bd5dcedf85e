"""Pure scoring: candidate features, fusion, and the calibrated confidence.

Everything here works on plain numbers so it can be unit-tested and re-fitted (`python -m
knowledge_base.calibrate`) without touching the index. Parameters live in calibration.json.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

# Candidate features, in a fixed order (the calibration file refers to them by name).
FEATURES = (
    "title_folded",     # BM25 of the name, accent-folded, normalised by the query's best possible score
    "title_accented",   # same on accented text: separates "bán" from "bản" when the citizen typed accents
    "alias",            # BM25 against the curated colloquial aliases
    "body",             # BM25 against field, result and audience
    "title_recall",     # share of the name's words that the message contains
    "name_precision",   # IDF-weighted share of the message's topic words found in the name
    "name_recall",      # IDF-weighted share of the name's words (level qualifier aside) in the message
    "lexical_best",     # the better of name and alias BM25: procedures without aliases are not penalised
    "op_match",         # the message asks for the operation the name states (reissue, extend, amend...)
    "op_plain",         # the message asks for no particular operation and this is the plain procedure
    "foreign_fit",      # both or neither of message and name involve a foreign element
    "audience_fit",     # the procedure serves the kind of asker (organisation or person)
    "mobile_fit",       # both or neither of message and name are about registration at home (lưu động)
    "rare_coverage",    # share of the message's rare catalog words (few names use them) in name or aliases
    "dense",            # best cosine between the message and the procedure's passages
    "dense_rank",       # 1/(1+rank) of the procedure in the dense ranking
    "phrase",           # the message contains the full name or an alias as a phrase (0..1, by length)
    "level_pref",       # 1 for the variant a provincial citizen needs (or the level they named)
    "age_fit",          # the age the message states is in the name's range ("dưới 14 tuổi"); 0.5 unknown
    "residence_fit",    # message and name agree on where the applicant lives (ở trong nước / ở nước ngoài)
    "grade_fit",        # the construction grade the message names ("công trình cấp I") is the name's
    "quantity_fit",     # the size the message states ("7000 m3/ngày") is in the name's ("từ 5.000 m3 trở lên")
    "memory_dense",     # best cosine between the message and one of the procedure's training questions
    "memory_lexical",   # best BM25 of the message against one of them, over the best possible
)

CONFIDENCE_FEATURES = ("top_score", "margin", "top_dense", "top_title_folded", "top_phrase", "query_known",
                       "coverage", "accent_coverage", "top_name_precision", "weighted_coverage",
                       "unmatched_rarity", "complaint", "smalltalk", "asks_aspect", "rerank_top",
                       "top_memory_dense", "top_memory_lexical")

# Words that carry the question, courtesy or the speaker rather than the topic (accent-folded).
# They are left out when measuring how much of a message the top procedure accounts for.
FUNCTION_WORDS = frozenset("""
toi em minh anh chi ban ad admin oi a ah da vang nhe nha nhi ha the thi la va voi cua cho de
muon can phai co khong duoc roi chua dang se vua moi hay hoac nao gi sao dau bao nhieu lau khi
nhu the nao lam sao the nao o tai ve tu den trong ngoai nay kia do ai ma neu vay xin hoi giup
thu tuc ho so giay to lam nop mat het tien phi le ngay thang nam gio
""".split())


@dataclass
class Calibration:
    fusion_weights: dict[str, float]
    fusion_bias: float = 0.0
    confidence_weights: dict[str, float] = field(default_factory=dict)
    confidence_bias: float = 0.0
    threshold: float = 0.5
    clarify_margin: float = 0.0  # confident, but the runner-up this close: ask which one is meant
    meta: dict = field(default_factory=dict)

    @classmethod
    def default(cls) -> "Calibration":
        # Hand-set starting point; `python -m knowledge_base.calibrate` fits real values.
        return cls(
            fusion_weights={"title_folded": 2.0, "title_accented": 1.0, "alias": 1.5, "body": 0.5,
                            "title_recall": 1.0, "name_precision": 1.0, "name_recall": 1.0,
                            "lexical_best": 1.0, "op_match": 1.0, "op_plain": 0.5,
                            "foreign_fit": 0.5, "audience_fit": 0.5,
                            "mobile_fit": 0.5, "rare_coverage": 1.0, "dense": 6.0, "dense_rank": 1.0, "phrase": 2.0,
                            "level_pref": 0.3, "age_fit": 1.0,
                            "residence_fit": 1.0, "grade_fit": 1.0, "quantity_fit": 1.0,
                            "memory_dense": 2.0, "memory_lexical": 1.0},
            confidence_weights={"top_score": 1.0, "margin": 1.0, "top_dense": 10.0,
                                "top_title_folded": 2.0, "top_phrase": 1.0, "query_known": 2.0},
            confidence_bias=-14.0,
            threshold=0.5,
        )

    @classmethod
    def load(cls, path: Path) -> "Calibration":
        if not path.exists():
            return cls.default()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            fusion_weights=data["fusion"]["weights"], fusion_bias=data["fusion"].get("bias", 0.0),
            confidence_weights=data["confidence"]["weights"], confidence_bias=data["confidence"]["bias"],
            threshold=data["confidence"]["threshold"],
            clarify_margin=data["confidence"].get("clarify_margin", 0.0), meta=data.get("meta", {}),
        )

    def save(self, path: Path) -> None:
        data = {
            "fusion": {"weights": self.fusion_weights, "bias": self.fusion_bias},
            "confidence": {"weights": self.confidence_weights, "bias": self.confidence_bias,
                           "threshold": self.threshold, "clarify_margin": self.clarify_margin},
            "meta": self.meta,
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    def fuse(self, features: dict[str, float]) -> float:
        return self.fusion_bias + sum(w * features.get(name, 0.0) for name, w in self.fusion_weights.items())

    def confidence(self, features: dict[str, float]) -> float:
        z = self.confidence_bias + sum(w * features.get(n, 0.0) for n, w in self.confidence_weights.items())
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def phrase_score(query_folded: str, phrases: list[str]) -> float:
    """Longest name/alias contained in the message as whole words, scaled to 0..1 (6+ words = 1)."""
    best = 0
    padded = f" {query_folded} "
    for phrase in phrases:
        if phrase and f" {phrase} " in padded:
            best = max(best, len(phrase.split()))
    return min(best, 6) / 6.0


def title_recall(query_tokens: set[str], title_tokens: list[str]) -> float:
    if not title_tokens:
        return 0.0
    return sum(1 for t in title_tokens if t in query_tokens) / len(title_tokens)


def weighted_overlap(tokens: Sequence[str], other: set[str], idf: dict[str, float], default_idf: float) -> float:
    """IDF-weighted share of `tokens` (distinct) that occur in `other`: rare words count more."""
    distinct = set(tokens)
    total = sum(idf.get(t, default_idf) for t in distinct)
    if total <= 0:
        return 0.0
    return sum(idf.get(t, default_idf) for t in distinct if t in other) / total


def unmatched_rarity(tokens: Sequence[str], other: set[str], idf: dict[str, float], max_idf: float) -> float:
    """How rare (0..1) the rarest word of `tokens` is that `other` does not contain: a message about
    "thẻ sinh viên" is not answered by "thẻ căn cước" however well "thẻ" matches."""
    missing = [idf.get(t, max_idf) for t in set(tokens) if t not in other]
    return max(missing) / max_idf if missing and max_idf > 0 else 0.0


def content_words(folded_tokens: Sequence[str]) -> list[str]:
    """Topic words of a message: no function words, no single letters or bare numbers."""
    return [t for t in folded_tokens if t not in FUNCTION_WORDS and len(t) > 1 and not t.isdigit()]


def coverage(query_tokens: Sequence[str], doc_tokens: set[str], folded: Sequence[str] | None = None) -> float:
    """Share of the message's topic words that the procedure's name, aliases or field contain.

    `folded` (the same tokens without diacritics) decides which words are function words when
    `query_tokens` are accented."""
    folded = query_tokens if folded is None else folded
    content = [t for t, f in zip(query_tokens, folded) if f not in FUNCTION_WORDS and len(f) > 1]
    if not content:
        return 0.0
    return sum(1 for t in content if t in doc_tokens) / len(content)


def confidence_features(ranked_features: list[dict[str, float]], ranked_scores: list[float],
                        ranked_groups: list[str], query_known: float, top_coverage: float = 0.0,
                        top_accent_coverage: float = 0.0, cues: dict[str, float] | None = None,
                        extra: dict[str, float] | None = None) -> dict[str, float]:
    """Inputs of the confidence model, from the fused ranking (best first)."""
    if not ranked_scores:
        empty = {name: 0.0 for name in CONFIDENCE_FEATURES}
        empty.update({name: float(v) for name, v in (cues or {}).items() if name in empty})
        return empty
    top = ranked_features[0]
    second = next((s for s, g in zip(ranked_scores[1:], ranked_groups[1:]) if g != ranked_groups[0]),
                  ranked_scores[0] - 1.0)
    return {
        "top_score": ranked_scores[0],
        "margin": ranked_scores[0] - second,
        "top_dense": top.get("dense", 0.0),
        "top_title_folded": top.get("title_folded", 0.0),
        "top_phrase": top.get("phrase", 0.0),
        "query_known": query_known,
        "coverage": top_coverage,
        "accent_coverage": top_accent_coverage,
        "top_name_precision": top.get("name_precision", 0.0),
        "rerank_top": top.get("rerank", 0.0),  # the re-ranker's probability that the leader is right
        "top_memory_dense": top.get("memory_dense", 0.0),
        "top_memory_lexical": top.get("memory_lexical", 0.0),
        **{name: float((cues or {}).get(name, 0.0)) for name in ("complaint", "smalltalk", "asks_aspect")},
        **{name: float((extra or {}).get(name, 0.0)) for name in ("weighted_coverage", "unmatched_rarity")},
    }
