"""The question memory: annotated training questions, matched against a new message.

Names and aliases say what a procedure is called; citizens say what happened to them ("cà vẹt
xe máy bị mất rồi"). The training questions in `train/` (thousands of such messages, each with
its procedure) are a second thing to match a message against: a message close to a training
question, in words or in meaning, is likely about the same procedure. For each procedure the
memory gives the best cosine between the message and its questions (unadapted encoder vectors,
both read as queries) and the best BM25 of the message against them (accent-folded terms,
question phrases left out, like the names'); the search uses both as features, and the
procedures of the nearest questions as candidates.

A question's score counts for its procedure's level variants alike (the level is chosen as
for any candidate). Scoring is plain numpy: one matrix-vector product and a sparse gather.

The vectors are encoded once by `make adapter` (which encodes the training questions anyway)
and committed in `question_memory.npz` with the texts and codes, int8 with a scale per row;
another encoder ignores the file. `without(ids)` hides questions, so that fitting can score a
training question with a memory that does not hold it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from knowledge_base.bm25 import BM25

log = logging.getLogger(__name__)

NEAREST_QUESTIONS = 20  # the procedures of this many nearest questions (each way) become candidates


def question_key(question: dict) -> str:
    """How the memory names a training question (its id), to hide it from its own scoring."""
    return str(question.get("id", ""))


@dataclass
class MemoryScores:
    """Best match per level-variant group for one message; `nearest_groups` in order of closeness."""
    dense: np.ndarray      # per group: best cosine to one of its questions (0 when none is close)
    lexical: np.ndarray    # per group: best BM25 against one of its questions, over the best possible
    nearest_groups: list[int]
    # per group: its share of the nearest questions, by meaning and by words (a vote: one close
    # question can be a fluke, several agreeing rarely are)
    votes: np.ndarray | None = None

    def for_group(self, group: int) -> tuple[float, float]:
        return float(self.dense[group]), float(self.lexical[group])

    def votes_for(self, group: int) -> float:
        return float(self.votes[group]) if self.votes is not None else 0.0


@dataclass
class QuestionMemory:
    questions: list[str]
    ids: list[str]
    codes: list[tuple[str, ...]]
    vectors: np.ndarray                      # (n, dim) float32, unit rows
    encoder: str
    meta: dict = field(default_factory=dict)
    lexical: BM25 | None = None              # over the questions' terms; built by `attach`
    groups: np.ndarray | None = None         # (n,) level-variant group of each question; -1 unknown
    n_groups: int = 0
    active: np.ndarray | None = None         # (n,) bool: questions in use (see `without`)
    attached_to: str = ""                    # fingerprint of the index the groups refer to

    def __len__(self) -> int:
        return len(self.questions)

    # -- building ---------------------------------------------------------------------------------
    def attach(self, terms: Sequence[Sequence[str]], group_of_code: dict[str, int], n_groups: int,
               index_fingerprint: str = "") -> None:
        """Index the questions' lexical terms (one list per question) and map codes to the catalog's
        level-variant groups; questions whose codes are all unknown stay inactive."""
        self.attached_to = index_fingerprint
        self.lexical = BM25.build(terms)
        self.groups = np.array([next((group_of_code[c] for c in codes if c in group_of_code), -1)
                                for codes in self.codes], dtype=np.int64)
        self.n_groups = n_groups
        self.active = self.groups >= 0

    def without(self, ids: set[str] | frozenset[str]) -> "QuestionMemory":
        """The same memory with these questions hidden (arrays shared, not copied)."""
        hidden = np.array([i in ids for i in self.ids], dtype=bool)
        active = (self.active if self.active is not None else np.ones(len(self), bool)) & ~hidden
        return QuestionMemory(self.questions, self.ids, self.codes, self.vectors, self.encoder, self.meta,
                              self.lexical, self.groups, self.n_groups, active, self.attached_to)

    # -- scoring ----------------------------------------------------------------------------------
    def scores(self, query_vector: np.ndarray | None, query_terms: Sequence[str]) -> MemoryScores:
        """Per-group best matches of a message: `query_vector` is its unadapted encoding (dim,), or
        None without the dense encoder; `query_terms` its lexical terms as the index reads them."""
        if self.groups is None or self.lexical is None:
            raise RuntimeError("attach() the memory to an index before scoring")
        active = self.active
        dense = np.zeros(self.n_groups, dtype=np.float32)
        lexical = np.zeros(self.n_groups, dtype=np.float32)
        nearest: list[int] = []
        votes = np.zeros(self.n_groups, dtype=np.float32)
        if query_vector is not None and len(self):
            query = np.asarray(query_vector, dtype=np.float32)
            query = query / max(float(np.linalg.norm(query)), 1e-12)
            sims = np.where(active, self.vectors @ query, -1.0)
            np.maximum.at(dense, self.groups[active], np.maximum(sims[active], 0.0))
            nearest += self._vote(votes, _top(sims, NEAREST_QUESTIONS, active))
        scores, best = self.lexical.score_and_bound(query_terms, rows=active)  # no terms: bound 0
        if best > 0:
            bm = np.where(active, scores / best, 0.0).astype(np.float32)
            np.maximum.at(lexical, self.groups[active], bm[active])
            nearest += self._vote(votes, _top(bm, NEAREST_QUESTIONS, active & (bm > 0)))
        return MemoryScores(dense, lexical, list(dict.fromkeys(nearest)), votes)

    def _vote(self, votes: np.ndarray, question_rows: np.ndarray) -> list[int]:
        """The groups of these nearest questions, in order, each one's vote added (one of the
        2 x NEAREST_QUESTIONS places)."""
        groups = [int(self.groups[i]) for i in question_rows]
        np.add.at(votes, groups, 1.0 / (2 * NEAREST_QUESTIONS))
        return groups

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # int8 with one scale per row: a quarter of float32, cosines within about 0.003.
        scale = np.maximum(np.abs(self.vectors).max(axis=1), 1e-12) / 127.0
        quantized = np.round(self.vectors / scale[:, None]).astype(np.int8)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, vectors=quantized, scale=scale.astype(np.float32),
                                questions=np.array(self.questions), ids=np.array(self.ids),
                                codes=np.array([" ".join(c) for c in self.codes]), encoder=np.array(self.encoder),
                                meta=np.array(json.dumps(self.meta, ensure_ascii=False)))

    @classmethod
    def load(cls, path: Path, encoder: str, dim: int) -> "QuestionMemory | None":
        """The memory at `path` if it was encoded with this encoder; None otherwise (logged)."""
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                vectors = data["vectors"].astype(np.float32) * data["scale"][:, None]
                questions = [str(q) for q in data["questions"]]
                ids = [str(i) for i in data["ids"]]
                codes = [tuple(str(c).split()) for c in data["codes"]]
                fitted_for = str(data["encoder"])
                meta = json.loads(str(data["meta"]))
        except (OSError, KeyError, ValueError) as exc:
            log.warning("question memory %s unreadable, not used: %s", path, exc)
            return None
        if fitted_for != encoder or vectors.ndim != 2 or vectors.shape[1] != dim \
                or not len(questions) == len(ids) == len(codes) == len(vectors):
            log.warning("question memory %s was encoded with %s (%s), not %s: not used",
                        path, fitted_for, vectors.shape, encoder)
            return None
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return cls(questions, ids, codes, vectors / np.maximum(norms, 1e-12), encoder, meta)


def _top(values: np.ndarray, k: int, allowed: np.ndarray) -> np.ndarray:
    """Indices of the k largest allowed values, largest first."""
    candidates = np.nonzero(allowed)[0]
    if len(candidates) > k:
        candidates = candidates[np.argpartition(-values[candidates], k - 1)[:k]]
    return candidates[np.argsort(-values[candidates], kind="stable")]
