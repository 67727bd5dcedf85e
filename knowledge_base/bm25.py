"""Okapi BM25 over pre-tokenized documents, as a sparse document-term weight matrix.

The full BM25 term weight of every (document, term) pair is computed once at build time, so a
query costs one sparse column gather: score(d) = sum over distinct query terms of W[d, t].
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse


def ngrams(tokens: Sequence[str], n_max: int = 2) -> list[str]:
    """Unigrams plus joined n-grams up to n_max ("khai", "sinh", "khai_sinh")."""
    out = list(tokens)
    for n in range(2, n_max + 1):
        out.extend("_".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


class BM25:
    def __init__(self, vocabulary: dict[str, int], weights: sparse.csc_matrix):
        self.vocabulary = vocabulary
        self.weights = weights  # shape (n_docs, n_terms), csc for fast column gathers

    @classmethod
    def build(cls, documents: Iterable[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> "BM25":
        vocabulary: dict[str, int] = {}
        rows, cols, tfs, lengths = [], [], [], []
        for doc_id, terms in enumerate(documents):
            counts = Counter(terms)
            lengths.append(len(terms))
            for term, tf in counts.items():
                rows.append(doc_id)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                tfs.append(tf)
        n_docs = len(lengths)
        lengths_arr = np.asarray(lengths, dtype=np.float64)
        avg_len = float(lengths_arr.mean()) if n_docs else 0.0
        rows_arr = np.asarray(rows, dtype=np.int64)
        cols_arr = np.asarray(cols, dtype=np.int64)
        tf_arr = np.asarray(tfs, dtype=np.float64)
        df = np.bincount(cols_arr, minlength=len(vocabulary)).astype(np.float64)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        norm = k1 * (1.0 - b + b * lengths_arr[rows_arr] / max(avg_len, 1e-9))
        weight = idf[cols_arr] * tf_arr * (k1 + 1.0) / (tf_arr + norm)
        matrix = sparse.csc_matrix(
            (weight.astype(np.float32), (rows_arr, cols_arr)), shape=(n_docs, len(vocabulary))
        )
        return cls(vocabulary, matrix)

    def _entries(self, query_terms: Iterable[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Document ids and weights of the stored entries of the query's distinct known terms,
        gathered straight from the csc arrays (scipy's column slicing costs a fraction of a
        millisecond per call, several times a message), and where each term's entries start."""
        ids = np.array(sorted({self.vocabulary[t] for t in query_terms if t in self.vocabulary}), dtype=np.int64)
        w = self.weights
        starts, ends = w.indptr[ids], w.indptr[ids + 1]
        starts, ends = starts[ends > starts], ends[ends > starts]  # max_score's segments must not be empty
        if not len(starts):
            return np.zeros(0, dtype=w.indices.dtype), np.zeros(0, dtype=w.data.dtype), starts
        positions = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)])
        return w.indices[positions], w.data[positions], np.concatenate(([0], np.cumsum(ends - starts)[:-1]))

    def score(self, query_terms: Iterable[str]) -> np.ndarray:
        return self._scores(*self._entries(query_terms)[:2])

    def score_and_bound(self, query_terms: Iterable[str], rows: np.ndarray | None = None
                        ) -> tuple[np.ndarray, float]:
        """Every document's score and `max_score`'s bound, from one gather of the query's entries
        (a search normalises each field's scores by the bound)."""
        docs, weights, offsets = self._entries(query_terms)
        return self._scores(docs, weights), self._bound(docs, weights, offsets, rows)

    def _scores(self, docs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return np.bincount(docs, weights=weights, minlength=self.weights.shape[0]).astype(np.float32)

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every term, from the stored matrix (BM25's formula)."""
        n_docs = self.weights.shape[0]
        df = np.diff(self.weights.indptr).astype(np.float64)
        values = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        return {term: float(values[col]) for term, col in self.vocabulary.items()}

    def max_score(self, query_terms: Iterable[str], rows: np.ndarray | None = None) -> float:
        """Upper bound a document could reach for this query (for normalising scores); with `rows`
        (a boolean mask of documents), a document among those."""
        return self._bound(*self._entries(query_terms), rows)

    @staticmethod
    def _bound(docs: np.ndarray, weights: np.ndarray, offsets: np.ndarray, rows: np.ndarray | None) -> float:
        """Sum over the query's terms of each term's best weight (among `rows`, when given)."""
        if not len(weights):
            return 0.0
        if rows is not None:
            weights = np.where(rows[docs], weights, 0.0)
        return float(np.maximum.reduceat(weights, offsets).sum(dtype=np.float64))

    # Persistence: plain arrays, loaded with numpy (no pickle).
    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        w = self.weights
        terms = np.array(sorted(self.vocabulary, key=self.vocabulary.get), dtype=object)
        return {
            f"{prefix}_data": w.data, f"{prefix}_indices": w.indices, f"{prefix}_indptr": w.indptr,
            f"{prefix}_shape": np.asarray(w.shape), f"{prefix}_terms": np.asarray(terms.astype(str)),
        }

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> "BM25":
        shape = tuple(int(x) for x in arrays[f"{prefix}_shape"])
        matrix = sparse.csc_matrix(
            (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]), shape=shape
        )
        vocabulary = {str(t): i for i, t in enumerate(arrays[f"{prefix}_terms"])}
        return cls(vocabulary, matrix)
