"""Re-ranking of the leading candidates: which of a few near-identical names fits the message.

The fused score is one linear weighing of every feature, fitted on the tuning set (close to official
names). Most of what it gets wrong on everyday words is a close sibling at rank 2 ("Chứng nhận" /
"Chứng nhận lại", a licence / its amendment, "lần đầu" / "nay tiếp tục bị"). An ensemble of
trees, fitted on the training questions (`python -m knowledge_base.fit_reranker`), reads each of
the top RERANK_DEPTH candidates' features beside what sets its name apart from the others: the
words and word pairs only it has, and whether the message uses them. It orders only those
candidates.

The model is a JSON file of plain arrays (`reranker.json`, KB_RERANKER); evaluating it needs numpy
only. `candidate_matrix` is the pure feature function both fitting and serving use.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from knowledge_base.scoring import FEATURES

log = logging.getLogger(__name__)

# Candidates (level-variant groups) re-ordered. 5-fold on the training questions, depth 5 against
# 10: top-1 0.824 / 0.826, recall at 5 0.962 / 0.968 (it lifts the right one from ranks 6 to 10),
# MRR 0.886 / 0.888; depth 3 lost recall and gained nothing.
RERANK_DEPTH = 10

# Features of a candidate beyond the fusion features, in the model's column order.
RELATIVE_FEATURES = (
    "score",              # fused score
    "score_below_top",    # fused score minus the leading one's (0 for the leader)
    "score_above_next",   # fused score minus the next candidate's
    "rank_inverse",       # 1 / (1 + position)
    "own_words_matched",  # IDF share of the words no other leading name has that the message uses (-1: none)
    "own_words_weight",   # IDF mass of those words: how much sets the name apart
    "rival_words",        # IDF share of the message's topic words other leading names have and this one lacks
    "own_topic_words",    # IDF share of the message's topic words only this name has
    "name_length",        # distinct words in the name (level qualifier aside)
    "dense_below_best",   # dense similarity minus the best among the leading candidates
    "versus_matched",     # against the leader (the runner-up for the leader): IDF share of own differing words used
    "versus_gain",        # those words' IDF mass, as a share of the message's topic words
    "versus_loss",        # the other name's differing words the message uses, same share
    "pairs_advantage",    # word pairs of the name found in the message, minus the other name's
    "pairs_gain",         # word pairs only this name has, found in the message
    "pairs_loss",         # word pairs only the other name has, found in the message
    "memory_below_best",  # closest training question's cosine minus the best among the leading candidates
    "memory_words_below_best",  # the same for the training questions' BM25
    "memory_versus_top",  # closest training question's cosine minus the leader's
    "memory_words_versus_top",  # the same for BM25
    "memory_above_rivals",  # closest training question's cosine minus the best of the other leaders
    "memory_votes",       # share of the 40 nearest training questions (20 by meaning, 20 by words) that are its
    "memory_votes_below_best",  # that share minus the best among the leading candidates
    "polarity_versus",    # against the leader (the runner-up for the leader): +1 when the message negates
                          # what only one of the two names negates exactly as this name does, -1 when not
)
RERANK_FEATURES = FEATURES + RELATIVE_FEATURES


# Negations in folded names and messages ("không được Chính phủ bảo lãnh", "chưa vận hành", "trừ ...").
_NEGATIONS = frozenset({"khong", "chua", "chang", "tru"})
# Folded "không" that is not a negation: hàng không (aviation), không gian / khí / ảnh / lưu / quân /
# phận (space, air, aerial, air traffic, air force, airspace), khống chế (control); and "không / chưa biết, rõ,
# chắc" (not knowing whether), which negates nothing the message goes on to name.
_NOT_NEGATION_BEFORE = frozenset({"hang"})
_NOT_NEGATION_AFTER = frozenset({"gian", "khi", "anh", "luu", "quan", "che", "phan", "biet", "ro", "chac", "hieu"})
# Words a negated phrase starts with that say nothing of what is negated.
_SCOPE_FILLER = frozenset({"duoc", "co", "phai", "la", "thuoc", "cua", "cho", "va", "doi", "voi", "truong",
                           "hop", "bi", "da", "can", "nhung", "mot", "cac", "nhu", "theo", "vao"})
POLARITY_WINDOW = 4


def _is_negation(tokens: Sequence[str], i: int) -> bool:
    if tokens[i] not in _NEGATIONS:
        return False
    if tokens[i] == "khong" and i and tokens[i - 1] in _NOT_NEGATION_BEFORE:
        return False
    return not (i + 1 < len(tokens) and tokens[i + 1] in _NOT_NEGATION_AFTER)


def negated_scopes(tokens: Sequence[str]) -> list[frozenset[str]]:
    """The content words of the few words after each negation of a folded token list."""
    scopes = []
    for i in range(len(tokens)):
        if _is_negation(tokens, i):
            scope = frozenset(t for t in tokens[i + 1:i + 1 + POLARITY_WINDOW] if t not in _SCOPE_FILLER)
            if scope:
                scopes.append(scope)
    return scopes


def polarity_versus(name: Sequence[str], other: Sequence[str], message_tokens: Sequence[str]) -> float:
    """+1 when one of two names negates a phrase the other states plainly and the message, naming that
    phrase, agrees with `name` (negates it when `name` does, not when `name` does not); -1 when it
    agrees with `other`; 0 when the names do not differ so or the message does not name the phrase.
    Pure; "vay không có Chính phủ bảo lãnh" against "… không được Chính phủ bảo lãnh" gives +1."""
    own, theirs = negated_scopes(name), negated_scopes(other)
    message_scopes = negated_scopes(message_tokens)
    message = set(message_tokens)
    # (a phrase one name negates, the other name's words, whether `name` is the negating one)
    sides = [(scope, set(other), theirs, True) for scope in own] + [(scope, set(name), own, False) for scope in theirs]
    for scope, plain_words, also_negated, name_negates in sides:
        if scope in also_negated or len(scope & plain_words) * 2 < len(scope) or not scope & message:
            continue  # both negate it, the other name does not state it, or the message does not name it
        message_negates = any(len(scope & s) >= min(2, len(scope)) for s in message_scopes)
        return 1.0 if message_negates == name_negates else -1.0
    return 0.0


def candidate_matrix(names: Sequence[Sequence[str]], features: Sequence[dict[str, float]],
                     scores: Sequence[float], message_tokens: Sequence[str], topic_words: Sequence[str],
                     idf: dict[str, float], default_idf: float) -> np.ndarray:
    """One row of RERANK_FEATURES per leading candidate, best first. `names` are the candidates'
    folded name words (level qualifier aside), `features` their fusion features, `scores` their
    fused scores; `message_tokens` the folded message, `topic_words` its content words."""
    n = len(names)
    words = [set(name) for name in names]
    pairs = [set(zip(name, name[1:])) for name in names]
    message = set(message_tokens)
    message_pairs = set(zip(message_tokens, message_tokens[1:]))
    topic = set(topic_words)

    def mass(tokens) -> float:
        return sum(idf.get(t, default_idf) for t in tokens)

    topic_mass = mass(topic) or 1.0
    best_dense = max((f.get("dense", 0.0) for f in features), default=0.0)
    memory = [f.get("memory_dense", 0.0) for f in features]
    memory_words = [f.get("memory_lexical", 0.0) for f in features]
    votes = [f.get("memory_votes", 0.0) for f in features]
    rows = []
    for i in range(n):
        f = features[i]
        others = set().union(*(words[j] for j in range(n) if j != i))
        own = words[i] - others
        own_mass = mass(own)
        row = [f.get(name, 0.0) for name in FEATURES]
        row += [
            scores[i], scores[i] - scores[0], scores[i] - scores[i + 1] if i + 1 < n else 1.0,
            1.0 / (1 + i),
            mass(own & message) / own_mass if own_mass else -1.0, own_mass,
            mass({t for t in topic if t in others and t not in words[i]}) / topic_mass,
            mass(topic & own) / topic_mass,
            float(len(words[i])),
            f.get("dense", 0.0) - best_dense,
        ]
        rivals = memory[:i] + memory[i + 1:]
        memory_row = [memory[i] - max(memory), memory_words[i] - max(memory_words), memory[i] - memory[0],
                      memory_words[i] - memory_words[0], memory[i] - max(rivals, default=0.0),
                      votes[i], votes[i] - max(votes)]
        if n > 1:
            ref = 1 if i == 0 else 0
            gain, loss = words[i] - words[ref], words[ref] - words[i]
            gain_mass = mass(gain)
            row += [
                mass(gain & message) / gain_mass if gain_mass else -1.0,
                mass(gain & message) / topic_mass,
                mass(loss & message) / topic_mass,
                float(len(pairs[i] & message_pairs) - len(pairs[ref] & message_pairs)),
                float(len((pairs[i] - pairs[ref]) & message_pairs)),
                float(len((pairs[ref] - pairs[i]) & message_pairs)),
            ]
        else:
            row += [-1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
        polarity = [polarity_versus(names[i], names[1 if i == 0 else 0], message_tokens)] if n > 1 else [0.0]
        rows.append(row + memory_row + polarity)
    return np.array(rows, dtype=np.float64).reshape(n, len(RERANK_FEATURES))


@dataclass
class TreeEnsemble:
    """Gradient-boosted trees for a binary label, as flat node arrays: the log-odds of a row are
    `baseline` plus the value of the leaf it reaches in every tree. A row goes left at a node when
    its feature is <= the threshold (a missing value goes where `missing_left` says)."""
    features: tuple[str, ...]
    baseline: float
    roots: np.ndarray        # first node of each tree
    feature: np.ndarray      # per node: column tested
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    missing_left: np.ndarray
    leaf: np.ndarray
    value: np.ndarray        # per node: the leaf's contribution (0 for inner nodes)
    depth: int
    meta: dict = field(default_factory=dict)

    def log_odds(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if not len(X):
            return np.zeros(0)
        node = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        samples = np.arange(len(X))[:, None]
        for _ in range(self.depth):
            at_leaf = self.leaf[node]
            if at_leaf.all():
                break
            x = X[samples, self.feature[node]]
            go_left = np.where(np.isnan(x), self.missing_left[node], x <= self.threshold[node])
            node = np.where(at_leaf, node, np.where(go_left, self.left[node], self.right[node]))
        return self.baseline + self.value[node].sum(axis=1)

    def probability(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.log_odds(X), -50.0, 50.0)))

    def to_dict(self) -> dict:
        return {
            "features": list(self.features), "baseline": self.baseline, "roots": self.roots.tolist(),
            "depth": self.depth, "meta": self.meta,
            "nodes": {"feature": self.feature.tolist(), "threshold": [round(float(t), 9) for t in self.threshold],
                      "left": self.left.tolist(), "right": self.right.tolist(),
                      "missing_left": self.missing_left.astype(int).tolist(), "leaf": self.leaf.astype(int).tolist(),
                      "value": [round(float(v), 9) for v in self.value]},
        }

    @classmethod
    def from_dict(cls, data: dict) -> "TreeEnsemble":
        nodes = data["nodes"]
        return cls(
            features=tuple(data["features"]), baseline=float(data["baseline"]),
            roots=np.asarray(data["roots"], dtype=np.int64), feature=np.asarray(nodes["feature"], dtype=np.int64),
            threshold=np.asarray(nodes["threshold"], dtype=np.float64),
            left=np.asarray(nodes["left"], dtype=np.int64), right=np.asarray(nodes["right"], dtype=np.int64),
            missing_left=np.asarray(nodes["missing_left"], dtype=bool), leaf=np.asarray(nodes["leaf"], dtype=bool),
            value=np.asarray(nodes["value"], dtype=np.float64), depth=int(data["depth"]), meta=data.get("meta", {}),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "TreeEnsemble | None":
        """The re-ranker at `path` if it is there and fits these features; None otherwise (logged)."""
        if not path.is_file():
            return None
        try:
            model = cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("re-ranker %s unreadable, not used: %s", path, exc)
            return None
        if model.features != RERANK_FEATURES:
            log.warning("re-ranker %s was fitted on other features, not used: re-run fit_reranker", path)
            return None
        return model


def rerank_order(probabilities: Sequence[float]) -> list[int]:
    """Positions of the candidates, most probable first; ties keep the fused order."""
    return sorted(range(len(probabilities)), key=lambda i: (-probabilities[i], i))
