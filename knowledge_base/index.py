"""Build, cache and load the hybrid index over the procedure catalog.

An index is a folder under KB_INDEX_DIR named by a fingerprint of everything that shapes it: the
catalog's content, the encoder, and the source of the modules that turn text into terms. Change
any of them and the next load builds a new index (with a progress bar); otherwise it is loaded
from disk in a few seconds. Nothing is pickled: arrays go to .npy/.npz, metadata to JSON, and the
dense vectors to a faiss index file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge_base import levels
from knowledge_base.bm25 import BM25, ngrams
from knowledge_base.catalog import Procedure, file_fingerprint, load_catalog
from knowledge_base.config import KBSettings
from knowledge_base.diacritics import DiacriticRestorer
from knowledge_base.encoders import Encoder, make_encoder
from knowledge_base.normalize import normalize_query

INDEX_FORMAT = 5
# Modules whose code decides what goes into the index: editing them invalidates cached indexes.
_SHAPING_MODULES = ("normalize.py", "abbreviations.py", "index.py", "bm25.py", "levels.py", "diacritics.py")


def body_text(proc: Procedure) -> str:
    parts = [proc.field, proc.result, proc.audience]
    return " . ".join(p for p in parts if p)


def passages(proc: Procedure) -> list[str]:
    """Texts embedded for a procedure: its name, and each colloquial alias."""
    return [proc.name] + [a for a in proc.aliases if a.strip()]


def terms(text: str, folded: bool) -> list[str]:
    norm = normalize_query(text)
    return ngrams(norm.folded_tokens if folded else norm.tokens)


@dataclass
class HybridIndex:
    procedures: list[Procedure]
    title_folded: BM25
    title_accented: BM25
    alias_folded: BM25
    body_folded: BM25
    vectors: np.ndarray | None  # (n_passages, dim), L2-normalized
    vector_owner: np.ndarray | None  # passage row -> procedure row
    faiss_index: object | None
    encoder: Encoder | None
    group_keys: list[str]
    variant_levels: list[str]
    folded_phrases: list[list[str]]  # per procedure: folded name + aliases, for phrase matching
    fingerprint: str
    diacritics: DiacriticRestorer | None = None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.procedures]

    def memory_bytes(self) -> int:
        total = 0
        for bm in (self.title_folded, self.title_accented, self.alias_folded, self.body_folded):
            w = bm.weights
            total += w.data.nbytes + w.indices.nbytes + w.indptr.nbytes
        if self.vectors is not None:
            total += self.vectors.nbytes * 2  # numpy copy + faiss copy
        return total


def fingerprint(settings: KBSettings) -> str:
    digest = hashlib.sha256()
    digest.update(f"format={INDEX_FORMAT};encoder={settings.encoder}:{settings.encoder_model}".encode())
    digest.update(file_fingerprint(settings.catalog_path).encode())
    here = Path(__file__).resolve().parent
    for name in _SHAPING_MODULES:
        path = here / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _progress(iterable, total: int, desc: str, enabled: bool):
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=desc, unit="proc", file=sys.stderr, mininterval=0.5)
    except ImportError:  # pragma: no cover - tqdm is in the app env
        return iterable


def build(settings: KBSettings, encoder: Encoder | None = None, progress: bool = True) -> HybridIndex:
    procedures = load_catalog(settings.catalog_path)
    n = len(procedures)
    title_f, title_a, alias_f, body_f, phrases = [], [], [], [], []
    for proc in _progress(procedures, n, "lexical index", progress):
        name_norm = normalize_query(proc.name)
        title_f.append(ngrams(name_norm.folded_tokens))
        title_a.append(ngrams(name_norm.tokens))
        alias_norms = [normalize_query(a) for a in proc.aliases]
        alias_f.append([t for an in alias_norms for t in ngrams(an.folded_tokens)])
        body_f.append(terms(body_text(proc), folded=True))
        phrases.append([" ".join(name_norm.folded_tokens)] + [" ".join(an.folded_tokens) for an in alias_norms])

    if progress:
        print("diacritics model: counting the catalog's syllables ...", file=sys.stderr)
    restorer = DiacriticRestorer.from_catalog(procedures)

    if encoder is None and settings.encoder != "none":
        encoder = make_encoder(settings.encoder, settings.encoder_model)
    vectors = owner = faiss_index = None
    if encoder is not None:
        texts, owners = [], []
        for row, proc in enumerate(procedures):
            for text in passages(proc):
                texts.append(text)
                owners.append(row)
        vectors = _encode_with_cache(encoder, texts, settings.index_dir, progress)
        owner = np.asarray(owners, dtype=np.int32)
        faiss_index = _faiss_from_vectors(vectors)

    return HybridIndex(
        procedures=procedures,
        title_folded=BM25.build(title_f),
        title_accented=BM25.build(title_a),
        alias_folded=BM25.build(alias_f),
        body_folded=BM25.build(body_f),
        vectors=vectors,
        vector_owner=owner,
        faiss_index=faiss_index,
        encoder=encoder,
        group_keys=[levels.base_name(p.name) for p in procedures],
        variant_levels=[levels.level_of(p.name, p.levels) for p in procedures],
        folded_phrases=phrases,
        fingerprint=fingerprint(settings),
        diacritics=restorer,
    )


def _encode_with_cache(encoder: Encoder, texts: list[str], index_dir: Path, progress: bool) -> np.ndarray:
    """Encode passages, reusing vectors of texts already encoded by the same encoder.

    A re-imported catalog mostly repeats earlier texts, so only new or changed ones cost
    encoder time; a cold build encodes everything once (with a progress bar).
    """
    safe_name = "".join(c if c.isalnum() else "_" for c in encoder.name)
    cache_path = index_dir / f"passage-vectors-{safe_name}.npz"
    known: dict[str, np.ndarray] = {}
    if cache_path.exists():
        try:
            with np.load(cache_path, allow_pickle=False) as data:
                known = dict(zip((str(k) for k in data["keys"]), data["vectors"]))
        except (OSError, ValueError, KeyError):
            known = {}
    keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in known}.items())
    batch = 64
    batches = range(0, len(missing), batch)
    for start in _progress(batches, len(batches), f"dense index ({encoder.name}, {len(missing)} new passages)",
                           progress):
        chunk = missing[start:start + batch]
        for (key, _), vec in zip(chunk, encoder.encode_passages([t for _, t in chunk])):
            known[key] = vec
    vectors = np.vstack([known[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, encoder.dim), np.float32)
    if missing:
        index_dir.mkdir(parents=True, exist_ok=True)
        used = sorted(set(keys))
        tmp = cache_path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(used), vectors=np.vstack([known[k] for k in used]))
        os.replace(tmp, cache_path)
    return vectors


def _faiss_from_vectors(vectors: np.ndarray):
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index


def save(index: HybridIndex, folder: Path) -> None:
    """Write atomically: build in a temporary sibling folder, then rename into place."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".", dir=folder.parent))
    try:
        arrays = {}
        for prefix, bm in (("title_f", index.title_folded), ("title_a", index.title_accented),
                           ("alias_f", index.alias_folded), ("body_f", index.body_folded)):
            arrays.update(bm.to_arrays(prefix))
        np.savez(tmp / "lexical.npz", **arrays)
        if index.diacritics is not None:
            index.diacritics.save(tmp / "diacritics.json")
        if index.vectors is not None:
            np.save(tmp / "vectors.npy", index.vectors)
            np.save(tmp / "vector_owner.npy", index.vector_owner)
        meta = {
            "format": INDEX_FORMAT,
            "fingerprint": index.fingerprint,
            "encoder": index.encoder.name if index.encoder else None,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "n_procedures": len(index.procedures),
            "group_keys": index.group_keys,
            "variant_levels": index.variant_levels,
            "folded_phrases": index.folded_phrases,
        }
        (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def load(folder: Path, settings: KBSettings, encoder: Encoder | None = None) -> HybridIndex:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    procedures = load_catalog(settings.catalog_path)
    if meta["n_procedures"] != len(procedures):
        raise ValueError("index does not match the catalog")
    with np.load(folder / "lexical.npz", allow_pickle=False) as arrays:
        bms = {p: BM25.from_arrays(arrays, p) for p in ("title_f", "title_a", "alias_f", "body_f")}
    vectors = owner = faiss_index = None
    if (folder / "vectors.npy").exists():
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        owner = np.load(folder / "vector_owner.npy", allow_pickle=False)
        faiss_index = _faiss_from_vectors(vectors)
        if encoder is None:
            encoder = make_encoder(settings.encoder, settings.encoder_model, num_threads=settings.query_threads)
    return HybridIndex(
        procedures=procedures,
        title_folded=bms["title_f"], title_accented=bms["title_a"],
        alias_folded=bms["alias_f"], body_folded=bms["body_f"],
        vectors=vectors, vector_owner=owner, faiss_index=faiss_index, encoder=encoder,
        group_keys=meta["group_keys"], variant_levels=meta["variant_levels"],
        folded_phrases=meta["folded_phrases"], fingerprint=meta["fingerprint"],
        diacritics=DiacriticRestorer.load(folder / "diacritics.json") if (folder / "diacritics.json").exists()
        else None,
    )


def load_or_build(settings: KBSettings | None = None, encoder: Encoder | None = None,
                  progress: bool = True) -> HybridIndex:
    settings = settings or KBSettings.from_env()
    folder = settings.index_dir / fingerprint(settings)
    if (folder / "meta.json").exists():
        try:
            return load(folder, settings, encoder)
        except (OSError, ValueError, KeyError) as exc:  # a damaged cache is rebuilt, not fatal
            print(f"index cache at {folder} unusable ({exc}); rebuilding", file=sys.stderr)
    index = build(settings, encoder=encoder, progress=progress)
    save(index, folder)
    _prune_old(settings.index_dir, keep=folder.name)
    return index


def _prune_old(index_dir: Path, keep: str, max_kept: int = 3) -> None:
    """Keep a few recent indexes (another process may still use one), delete older ones."""
    folders = sorted((p for p in index_dir.iterdir() if p.is_dir() and p.name != keep and "." not in p.name),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in folders[max_kept - 1:]:
        shutil.rmtree(old, ignore_errors=True)
