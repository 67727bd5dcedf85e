"""The search API the bot and the operator inbox use.

    kb = ProcedureSearch.load()             # builds or loads the cached index
    res = kb.search("lam lai cccd bi mat het bao nhieu tien")
    res.confident, res.aspects, res.hits[0].code, res.hits[0].name, res.hits[0].variants

Ranking: candidates from BM25 (folded and accented names, aliases, body) and the dense encoder
are scored by a linear fusion of their features; level variants of one procedure are ordered so
that the variant a provincial citizen needs comes first; a logistic model over the ranking says
whether the top hit is trustworthy (`confident`). Below it the bot asks or hands over to a human.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field as dc_field

import numpy as np

from knowledge_base import levels
from knowledge_base.aspects import detect_aspects
from knowledge_base.bm25 import ngrams
from knowledge_base.catalog import Procedure
from knowledge_base.config import KBSettings
from knowledge_base.index import HybridIndex, load_or_build
from knowledge_base.normalize import normalize_query
from knowledge_base.cues import message_cues, without_question_phrases
from knowledge_base.diacritics import encoder_text
from knowledge_base.facets import (FOREIGN_NAME_PHRASE, MOBILE_NAME_PHRASE, age_fit, audience_fit, audience_kinds,
                                   direction_contradicts, foreign_fit, grade_fit, message_age, message_asks_combined,
                                   message_birth_registered, message_channel, message_directions,
                                   message_from_organisation, message_grades, message_is_foreign, message_negates,
                                   message_negations, message_quantities, message_residence, message_wants_mobile,
                                   name_age_range, name_asserts, name_channel, name_combined_with, name_exclusions,
                                   name_grades, name_is_foreign, name_is_mobile, name_quantity_ranges,
                                   name_registers_birth, name_residence, quantity_fit, residence_fit, sibling_key,
                                   stated_directions)
from knowledge_base.normalize import fold_accents
from knowledge_base.operations import (head_operations, message_operations, name_operations, operation_features,
                                       served_operations, without_operation_words)
from knowledge_base.query_adapter import QueryAdapter
from knowledge_base.question_memory import QuestionMemory
from knowledge_base.rerank import RERANK_DEPTH, TreeEnsemble, candidate_matrix, rerank_order
from knowledge_base.scoring import (FUNCTION_WORDS, Calibration, confidence_features, content_words, coverage,
                                    phrase_score, title_recall, unmatched_rarity, weighted_overlap)

log = logging.getLogger(__name__)

CANDIDATES_PER_SOURCE = 40
RARE_DOC_FREQ = 25  # names a word may appear in and still count as rare
DENSE_NEIGHBOURS = 120
SIBLING_SPAN = 10  # the leading candidates among which siblings trade places
SIBLING_OVERLAP = 0.6  # names sharing this share of their words are siblings
RARE_EXCLUDED_IDF = 4.0  # a single excluded word contradicts a message only when names rarely use it
FOREIGN_NAME_WORDS = frozenset(FOREIGN_NAME_PHRASE.split())
MOBILE_NAME_WORDS = frozenset(MOBILE_NAME_PHRASE.split())


@dataclass
class Variant:
    code: str
    name: str
    level: str  # "central" | "province" | "commune"


@dataclass
class Hit:
    code: str
    name: str
    score: float
    levels: list[str]
    agency: str
    field: str
    features: dict[str, float]
    variants: list[Variant] = dc_field(default_factory=list)  # same procedure at other levels

    def to_dict(self) -> dict:
        return {
            "code": self.code, "name": self.name, "score": round(self.score, 4), "levels": self.levels,
            "agency": self.agency, "field": self.field,
            "variants": [v.__dict__ for v in self.variants],
        }


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    confident: bool
    confidence: float
    aspects: list[str]
    elapsed_ms: float
    ambiguous: bool = False  # confident, but another procedure scores almost as high: ask
    margin: float = 0.0

    @property
    def top(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    def to_dict(self) -> dict:
        return {
            "query": self.query, "confident": self.confident, "confidence": round(self.confidence, 4),
            "ambiguous": self.ambiguous,
            "aspects": self.aspects, "elapsed_ms": round(self.elapsed_ms, 1),
            "hits": [h.to_dict() for h in self.hits],
        }


def query_adapter_for(settings: KBSettings, index: HybridIndex) -> QueryAdapter | None:
    """The configured query map, when the index has the encoder it was fitted for."""
    if index.encoder is None or settings.query_adapter_path is None:
        return None
    return QueryAdapter.load(settings.query_adapter_path, index.encoder.name, index.encoder.dim)


def question_memory_for(settings: KBSettings, index: HybridIndex) -> QuestionMemory | None:
    """The committed question memory, if it was encoded with the index's encoder."""
    if settings.question_memory_path is None or index.encoder is None:
        return None
    return QuestionMemory.load(settings.question_memory_path, index.encoder.name, index.encoder.dim)


def reranker_for(settings: KBSettings) -> TreeEnsemble | None:
    """The configured re-ranker of the leading candidates, if there is one."""
    return None if settings.reranker_path is None else TreeEnsemble.load(settings.reranker_path)


class _OneBlasThread:
    """While a query is served, numpy's BLAS runs on one thread. Its small products (the memory's
    18,000 x 384 similarities, the query map) gain nothing from a second thread, and OpenBLAS's
    workers keep spinning after each call, taking a core from the encoder's OpenMP threads: on
    blind set 8's messages (2 cores, idle) the encoder took 65 ms a message with two BLAS
    threads and 50 with one, and the whole query p95 110 ms against 90. Re-entrant and shared by
    threads; the process's own setting comes back when the last query leaves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._limiter = None
        self._controller = None

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                if self._controller is None:
                    from threadpoolctl import ThreadpoolController  # after numpy, scipy and faiss loaded

                    self._controller = ThreadpoolController()
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._depth += 1

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


_ONE_BLAS_THREAD = _OneBlasThread()


class ProcedureSearch:
    def __init__(self, index: HybridIndex, calibration: Calibration, use_dense: bool = True,
                 use_lexical: bool = True, adapter: QueryAdapter | None = None,
                 reranker: TreeEnsemble | None = None, memory: QuestionMemory | None = None):
        self.index = index
        self.calibration = calibration
        self.adapter = adapter
        self.reranker = reranker
        if reranker is None and calibration.confidence_weights.get("rerank_top"):
            # Built by hand without load(): the confidence would miss the re-ranker's share.
            log.warning("the calibration weighs the re-ranker's probability but no re-ranker is used: "
                        "confidence will read low (pass reranker=reranker_for(settings) or re-calibrate)")
        if memory is None and (calibration.fusion_weights.get("memory_dense")
                               or calibration.fusion_weights.get("memory_lexical")):
            log.warning("the calibration weighs the question memory but none is used: rankings and "
                        "confidence will be off (pass memory=question_memory_for(settings, index))")
        # Unadapted vectors of messages encoded beforehand (fitting reads thousands of training
        # questions whose vectors are cached): the encoder is not run again for them.
        self.known_vectors: dict[str, np.ndarray] = {}
        self.use_dense = use_dense and index.faiss_index is not None
        self.use_lexical = use_lexical
        self._by_code = {p.code: i for i, p in enumerate(index.procedures)}
        self._title_tokens = [phrases[0].split() for phrases in index.folded_phrases]
        self._groups: dict[str, list[int]] = {}
        for row, key in enumerate(index.group_keys):
            self._groups.setdefault(key, []).append(row)
        # Level-variant groups by number, as the question memory scores them.
        self._group_rows = list(self._groups.values())
        group_number = {key: number for number, key in enumerate(self._groups)}
        self._row_group = [group_number[key] for key in index.group_keys]
        self.memory = memory
        if memory is not None and (memory.groups is None or memory.attached_to != index.fingerprint):
            # Groups are this index's (a re-imported catalog numbers them anew).
            memory.attach([self.lexical_terms(normalize_query(q))[0] for q in memory.questions],
                          {p.code: self._row_group[row] for row, p in enumerate(index.procedures)},
                          len(self._group_rows), index.fingerprint)
        self._known_terms = set(index.title_folded.vocabulary) | set(index.alias_folded.vocabulary)
        self._topic_cache: dict[int, tuple[set[str], set[str]]] = {}
        # Name words without the level qualifier, and how rare each word is among names.
        self._idf = {t: v for t, v in index.title_folded.idf().items() if "_" not in t}
        self._default_idf = max(self._idf.values(), default=1.0)
        self._base_tokens = [levels.base_name(p.name).split() for p in index.procedures]
        self._base_sets = [set(tokens) for tokens in self._base_tokens]
        self._base_names = base_names = [" ".join(tokens) for tokens in self._base_tokens]
        self._name_ops = [name_operations(name) for name in base_names]
        # Each procedure a name lists ("Cấp ...; Cấp lại ... (trong trường hợp ...)"), matched on its own.
        self._listed_tokens = [[levels.base_name(part).split() for part in p.name.split(";") if part.strip()]
                               if ";" in p.name else [] for p in index.procedures]
        self._listed_sets = [[set(tokens) for tokens in listed] for listed in self._listed_tokens]
        # A name listing several procedures ("Cấp giấy chứng nhận ...; Cấp lại giấy chứng nhận ...")
        # is the plain procedure when the first one listed is.
        self._head_ops = [head_operations(" ".join(listed[0]) if listed else name)
                          for listed, name in zip(self._listed_tokens, base_names)]
        self._subject_words = [set(without_operation_words(name).split()) for name in base_names]
        self._foreign = [name_is_foreign(name) for name in base_names]
        self._mobile = [name_is_mobile(name) for name in base_names]
        self._ages = [name_age_range(name) for name in base_names]
        self._residence = [name_residence(name) for name in base_names]
        self._grades = [name_grades(name) for name in base_names]
        # Sizes are read from the whole folded name: the token form drops "%".
        self._quantities = [name_quantity_ranges(fold_accents(p.name).lower()) for p in index.procedures]
        self._mobile_rows = [row for row, mobile in enumerate(self._mobile) if mobile]
        self._sibling_keys = [sibling_key(name) for name in base_names]
        self._channels = [name_channel(name) for name in base_names]
        self._directions = [stated_directions(name) for name in base_names]
        self._registers_birth = [name_registers_birth(name) for name in base_names]
        self._combined_with = [name_combined_with(name) for name in base_names]
        # What each name leaves out ("trừ xe mô tô"): those words are not the procedure's topic, and
        # a message that names one of the excluded things does not fit it.
        self._scope_tokens, self._excluded = [], []
        for proc, tokens in zip(index.procedures, self._base_tokens):
            kept, items = name_exclusions(fold_accents(proc.name).lower())
            kept_words = set(kept.split())
            self._scope_tokens.append([t for t in tokens if t in kept_words] if items else tokens)
            self._excluded.append([words for words in (frozenset(item.split()) - kept_words - FUNCTION_WORDS
                                                       for item in items)
                                   if len(words) >= 2 or any(self._idf.get(w, 0.0) >= RARE_EXCLUDED_IDF
                                                             for w in words)])
        self._scope_sets = [set(tokens) for tokens in self._scope_tokens]
        # Each procedure's passage vectors, to score candidates the dense neighbours did not reach.
        self._passages: dict[int, list[int]] = {}
        if self.use_dense:
            for vid, row in enumerate(index.vector_owner):
                self._passages.setdefault(int(row), []).append(vid)
        # A catalog word is "rare" when few names use it: it names the thing asked about.
        self._rare_idf = float(np.log(1.0 + (len(index.procedures) - RARE_DOC_FREQ + 0.5) / (RARE_DOC_FREQ + 0.5)))
        self._serves = [audience_kinds(fold_accents(p.audience or "").lower()) for p in index.procedures]

    @classmethod
    def load(cls, settings: KBSettings | None = None, progress: bool = True, **kwargs) -> "ProcedureSearch":
        settings = settings or KBSettings.from_env()
        index = load_or_build(settings, progress=progress)
        kwargs.setdefault("adapter", query_adapter_for(settings, index))
        kwargs.setdefault("reranker", reranker_for(settings))
        kwargs.setdefault("memory", question_memory_for(settings, index))
        return cls(index, Calibration.load(settings.calibration_path), **kwargs)

    def row_of(self, code: str) -> int | None:
        """The procedure's row in the index (its position in `index.procedures`), if it is there."""
        return self._by_code.get(code)

    def variant_level(self, code: str) -> str | None:
        """The level ("commune", "province", "central") the procedure with this code is done at."""
        row = self.row_of(code)
        return None if row is None else self.index.variant_levels[row]

    def procedure(self, code: str) -> Procedure | None:
        row = self.row_of(code)
        return None if row is None else self.index.procedures[row]

    def raw_query_vector(self, restored: str) -> np.ndarray:
        """The encoded message (1 x dim) as the encoder gives it."""
        known = self.known_vectors.get(restored)
        return known[None, :] if known is not None else self.index.encoder.encode_queries([restored])

    def query_vector(self, restored: str) -> np.ndarray:
        """The encoded message (1 x dim), through the learned query map when there is one."""
        return self._adapted(self.raw_query_vector(restored))

    def _adapted(self, raw: np.ndarray) -> np.ndarray:
        return self.adapter.apply(raw) if self.adapter is not None else raw

    @staticmethod
    def lexical_terms(norm) -> tuple[list[str], list[bool]]:
        """The folded terms a message is matched on (question phrases left out), and which of its
        folded tokens they kept."""
        keep = without_question_phrases(norm.folded_tokens)
        return ngrams([t for t, k in zip(norm.folded_tokens, keep) if k]), keep

    def dense_text(self, norm) -> str:
        """What the encoder reads: the message with diacritics restored where they were left out."""
        return encoder_text(norm, self.index.diacritics)

    # -- scoring -------------------------------------------------------------------------------
    def candidate_features(self, text: str) -> tuple[list[int], list[dict[str, float]], dict]:
        """Candidate rows and their features for a message (also used by calibration)."""
        norm = normalize_query(text)
        folded_terms, keep = self.lexical_terms(norm)
        restored = self.dense_text(norm)
        # Unaccented messages are matched against accented names through the restored spelling.
        accented = restored.split() if restored != norm.accented else list(norm.tokens)
        if len(accented) != len(keep):
            keep_accented = [True] * len(accented)
        else:
            keep_accented = keep
        accented_terms = ngrams([t for t, k in zip(accented, keep_accented) if k])
        idx = self.index
        n = len(idx.procedures)
        query_folded = " ".join(norm.folded_tokens)
        query_set = set(norm.folded_tokens)

        lexical = {}
        if self.use_lexical and folded_terms:
            for name, bm, qterms in (("title_folded", idx.title_folded, folded_terms),
                                     ("title_accented", idx.title_accented, accented_terms),
                                     ("alias", idx.alias_folded, folded_terms),
                                     ("body", idx.body_folded, folded_terms)):
                scores, best = bm.score_and_bound(qterms)
                lexical[name] = scores / best if best > 0 else scores
        dense = np.zeros(n, dtype=np.float32)
        dense_rank = np.zeros(n, dtype=np.float32)
        dense_rows: list[int] = []
        raw_qvec = None
        if self.use_dense and norm.accented.strip():
            raw_qvec = self.raw_query_vector(restored)
            qvec = self._adapted(raw_qvec)
            sims, ids = idx.faiss_index.search(qvec, min(DENSE_NEIGHBOURS, idx.vectors.shape[0]))
            for sim, vid in zip(sims[0], ids[0]):
                if vid < 0:
                    continue
                row = int(idx.vector_owner[vid])
                if sim > dense[row]:
                    if dense[row] == 0:
                        dense_rows.append(row)
                    dense[row] = sim
            dense_rows.sort(key=lambda r: -dense[r])
            for rank, row in enumerate(dense_rows):
                dense_rank[row] = 1.0 / (1.0 + rank)

        chosen: dict[int, None] = {}  # candidate rows in the order their sources found them
        if lexical:
            combined = (lexical["title_folded"] + lexical["title_accented"] + lexical["alias"]
                        + 0.5 * lexical["body"])
            top = np.argpartition(-combined, min(CANDIDATES_PER_SOURCE, n - 1))[:CANDIDATES_PER_SOURCE]
            chosen.update((int(row), None) for row in top[np.argsort(-combined[top])] if combined[row] > 0)
        chosen.update(dict.fromkeys(dense_rows[:CANDIDATES_PER_SOURCE]))
        memory = None
        if self.memory is not None:
            memory = self.memory.scores(None if raw_qvec is None else raw_qvec[0], folded_terms)
            for group in memory.nearest_groups:
                chosen.update(dict.fromkeys(self._group_rows[group]))
        mobile = message_wants_mobile(query_folded)
        if mobile:
            # The few "lưu động" procedures are candidates whenever the officer is asked to come:
            # the message describes the situation, rarely the procedure's words.
            chosen.update(dict.fromkeys(self._mobile_rows))
        # Level variants of a candidate are candidates too, so the right variant can be chosen.
        for row in list(chosen):
            chosen.update(dict.fromkeys(self._groups.get(idx.group_keys[row], ())))
        candidates = list(chosen)
        if self.use_dense and norm.accented.strip():
            # Candidates from the other sources get their real similarity, not a zero for being
            # beyond the dense neighbours ("khai tử lưu động" for "cán bộ xuống nhà làm khai tử").
            for row in candidates:
                if dense[row] == 0 and row in self._passages:
                    dense[row] = max(0.0, float((idx.vectors[self._passages[row]] @ qvec[0]).max()))

        wanted = levels.requested_level(query_folded)
        topic_words = content_words(norm.folded_tokens)
        asked_ops = served_operations(message_operations(query_folded))
        foreign, from_org = message_is_foreign(query_folded), message_from_organisation(query_folded)
        age = message_age(query_folded)
        residence, grades = message_residence(query_folded), message_grades(query_folded)
        quantities = message_quantities(norm.folded)
        rare_words = {t for t in topic_words if self._idf.get(t, 0.0) >= self._rare_idf}
        # A situation the message describes covers the words a name uses for it: "vợ em là người
        # Nhật" is what "có yếu tố nước ngoài" means, "cán bộ xuống tận nhà" what "lưu động" means.
        covered = set(query_set)
        if foreign:
            covered |= FOREIGN_NAME_WORDS
        if mobile:
            covered |= MOBILE_NAME_WORDS
        feats = []
        for row in candidates:
            f = {name: float(arr[row]) for name, arr in lexical.items()}
            f["lexical_best"] = max(f.get("title_folded", 0.0), f.get("alias", 0.0))
            f["title_recall"] = title_recall(covered, self._title_tokens[row])
            f["name_precision"] = weighted_overlap(topic_words, self._scope_sets[row], self._idf, self._default_idf)
            f["name_recall"] = max([weighted_overlap(tokens, covered, self._idf, self._default_idf)
                                    for tokens in [self._scope_tokens[row]] + self._listed_tokens[row]])
            f["op_match"], f["op_plain"] = operation_features(asked_ops, self._name_ops[row],
                                                                  self._head_ops[row])
            f["foreign_fit"] = foreign_fit(foreign, self._foreign[row])
            f["audience_fit"] = audience_fit(from_org, self._serves[row])
            f["mobile_fit"] = 1.0 if mobile == self._mobile[row] else 0.0
            if rare_words:
                folded_topic = self._topic_tokens(row)[1]
                f["rare_coverage"] = sum(1 for t in rare_words if t in folded_topic) / len(rare_words)
            else:
                f["rare_coverage"] = 0.0
            f["dense"] = float(dense[row])
            f["dense_rank"] = float(dense_rank[row])
            f["phrase"] = phrase_score(query_folded, idx.folded_phrases[row])
            f["level_pref"] = 1.0 if levels.preference(idx.variant_levels[row], wanted) == 0 else 0.0
            f["age_fit"] = age_fit(age, self._ages[row])
            f["residence_fit"] = residence_fit(residence, self._residence[row])
            f["grade_fit"] = grade_fit(grades, self._grades[row])
            f["quantity_fit"] = quantity_fit(quantities, self._quantities[row])
            f["memory_dense"], f["memory_lexical"] = (memory.for_group(self._row_group[row])
                                                      if memory is not None else (0.0, 0.0))
            f["memory_votes"] = memory.votes_for(self._row_group[row]) if memory is not None else 0.0
            feats.append(f)
        known = [t for t in norm.folded_tokens if len(t) > 1]
        context = {
            "norm": norm, "wanted_level": wanted, "facets": (foreign, mobile), "operations": asked_ops,
            "channel": message_channel(query_folded), "residence": residence,
            "directions": message_directions(query_folded),
            "birth_registered": message_birth_registered(query_folded),
            "negations": message_negations(query_folded),
            "query_known": (sum(1 for t in known if t in self._known_terms) / len(known)) if known else 0.0,
        }
        return candidates, feats, context

    def rank(self, candidates: list[int], feats: list[dict[str, float]], ctx: dict) -> list[tuple[int, float, dict]]:
        """Fused ranking, its leading candidates re-ranked; `ctx` is the context candidate_features
        returned with the candidates."""
        return self._reranked(self.fused_ranking(candidates, feats, ctx), ctx)

    def fused_ranking(self, candidates: list[int], feats: list[dict[str, float]], ctx: dict
                      ) -> list[tuple[int, float, dict]]:
        """Ranking by the fused score, siblings that fit the message first, level variants together."""
        wanted_level = ctx["wanted_level"]
        scored = [(row, self.calibration.fuse(f), f) for row, f in zip(candidates, feats)]
        scored = self._facet_siblings_first(scored, ctx["facets"])
        scored = self._fitting_siblings_first(scored, ctx)
        scored.sort(key=lambda x: -x[1])
        # Keep level variants together, the preferred one first, at the group's best position.
        by_group: dict[str, list[tuple[int, float, dict]]] = {}
        for entry in scored:
            by_group.setdefault(self.index.group_keys[entry[0]], []).append(entry)
        out, placed = [], set()
        for row, score, f in scored:
            if row in placed:
                continue
            group = sorted(by_group[self.index.group_keys[row]],
                           key=lambda x: (levels.preference(self.index.variant_levels[x[0]], wanted_level), -x[1]))
            for rank_in_group, (g_row, g_score, g_f) in enumerate(group):
                placed.add(g_row)
                out.append((g_row, score if rank_in_group == 0 else min(g_score, score), g_f))
        return out

    def leading_groups(self, ranked: list[tuple[int, float, dict]]) -> list[list[tuple[int, float, dict]]]:
        """The ranking as level-variant groups, in order (each group's preferred variant first)."""
        groups: list[list[tuple[int, float, dict]]] = []
        position: dict[str, int] = {}
        for entry in ranked:
            key = self.index.group_keys[entry[0]]
            if key not in position:
                position[key] = len(groups)
                groups.append([])
            groups[position[key]].append(entry)
        return groups

    def rerank_matrix(self, leaders: list[tuple[int, float, dict]], ctx: dict) -> np.ndarray:
        """Re-ranking features of the leading groups' preferred variants, best first."""
        tokens = ctx["norm"].folded_tokens
        return candidate_matrix([self._base_tokens[row] for row, _, _ in leaders], [f for _, _, f in leaders],
                                [score for _, score, _ in leaders], tokens, content_words(tokens),
                                self._idf, self._default_idf)

    def _reranked(self, ranked: list[tuple[int, float, dict]], ctx: dict) -> list[tuple[int, float, dict]]:
        """The leading RERANK_DEPTH groups in the re-ranker's order. The fused scores are handed out
        again in the new order (the gap to the rest stays as it was); each candidate's features
        carry the re-ranker's probability as "rerank", a confidence input."""
        if self.reranker is None:
            return ranked
        groups = self.leading_groups(ranked)
        leading = groups[:RERANK_DEPTH]
        if len(leading) < 2:
            return ranked
        leaders = [group[0] for group in leading]
        probabilities = self.reranker.probability(self.rerank_matrix(leaders, ctx))
        order = rerank_order(probabilities)
        # The fused scores, best first, go to the groups in the model's order; as in the fused
        # ranking, the sibling whose facets agree with the message comes first ("lưu động" for
        # "xã có làm khai tử tại nhà không"), and a leader that contradicts the message yields to
        # a sibling that fits it.
        handed = [(leaders[i][0], leaders[position][1], leaders[i][2]) for position, i in enumerate(order)]
        settled = self._fitting_siblings_first(self._facet_siblings_first(handed, ctx["facets"]), ctx)
        order = [order[k] for k in sorted(range(len(order)), key=lambda k: -settled[k][1])]
        out = []
        for position, i in enumerate(order):
            score = leaders[position][1]
            for k, (row, own, f) in enumerate(leading[i]):
                out.append((row, score if k == 0 else min(own, score), {**f, "rerank": float(probabilities[i])}))
        for group in groups[RERANK_DEPTH:]:
            out.extend(group)
        return out

    def _facet_siblings_first(self, scored: list[tuple[int, float, dict]], facets: tuple[bool, bool]
                              ) -> list[tuple[int, float, dict]]:
        """Among siblings that differ only by a foreign element or "lưu động", the one whose facets
        agree with the message takes the group's best score and the others move down a place: a
        message about a Korean husband wants "khai sinh có yếu tố nước ngoài" even where the plain
        name matches its words better."""
        foreign, mobile = facets
        if not foreign and not mobile:
            return scored

        def agreement(i: int) -> int:
            row = scored[i][0]
            return (self._foreign[row] is None or self._foreign[row] == foreign) + (self._mobile[row] == mobile)

        groups: dict[str, list[int]] = {}
        for i, (row, _, _) in enumerate(scored):
            groups.setdefault(self._sibling_keys[row], []).append(i)
        out = list(scored)
        for members in groups.values():
            if len(members) < 2:
                continue
            # The group's scores are handed out again: the best to the preferred sibling, the
            # rest in the order the others had, so the gap to other procedures stays as it was.
            preferred = max(members, key=lambda i: (agreement(i), scored[i][1]))
            scores = sorted((scored[i][1] for i in members), reverse=True)
            others = sorted((i for i in members if i != preferred), key=lambda i: -scored[i][1])
            for i, score in zip([preferred] + others, scores):
                out[i] = (scored[i][0], score, scored[i][2])
        return out

    def _fitting_siblings_first(self, scored: list[tuple[int, float, dict]], ctx: dict
                                ) -> list[tuple[int, float, dict]]:
        """A leading candidate that contradicts the message yields its place to a near-identical
        name that fits it. Contradicting: another operation than the one asked, or one when none is
        ("Thu hồi giấy phép hoạt động ..." for "xin giấy phép hoạt động ..."); an age, residence or
        construction grade outside the message's ("dưới 14 tuổi" for a child of 15); a level other
        than the one the message names; in person when the message wants it online, or the
        reverse; goods or people crossing the other way ("xuất khẩu" for "nhập khẩu"); registering a
        birth the message says is registered already. The fused score weighs these against
        everything else; between siblings they are what tells them apart."""
        asked, wanted, channel = ctx["operations"], ctx["wanted_level"], ctx["channel"]
        # Living abroad reads as a foreign element too; where the message says where the applicant
        # lives, residence decides and the foreign element does not.
        check_foreign = ctx["residence"] is None
        query_words = set(ctx["norm"].folded_tokens)
        # "tôi không phải cộng tác viên": a message that negates names what it is not, so the name
        # excluding it ("... không phải là cộng tác viên ...") is no contradiction.
        query_folded = " ".join(ctx["norm"].folded_tokens)
        names_excluded = not message_negates(query_folded)

        def contradicts_outright(row: int) -> bool:
            # Contradictions no shared word can undo: goods or people crossing the other way, a
            # birth registered again, the thing a name leaves out, what the message says is not so,
            # a second procedure combined with the one asked that the message does not ask.
            combined = self._combined_with[row]
            return (direction_contradicts(ctx["directions"], self._directions[row])
                    or (combined is not None and not message_asks_combined(query_folded, combined))
                    or (ctx["birth_registered"] and self._registers_birth[row])
                    or (names_excluded and any(words <= query_words for words in self._excluded[row]))
                    or any(name_asserts(self._base_names[row], phrase) for phrase in ctx["negations"]))

        def fits(row: int, f: dict[str, float], like: int | None = None) -> bool:
            # `like`: a leader that contradicts the message outright; a sibling doing the same
            # operations as it is judged on everything else ("Cấp, gia hạn, cấp lại ... hạng I"
            # for "hạng I, không phải hạng II").
            operation = ((bool(asked & self._name_ops[row]) if asked else not self._head_ops[row])
                         or (like is not None and self._name_ops[row] == self._name_ops[like]))
            return (operation and f["age_fit"] != 0.0 and f["residence_fit"] != 0.0 and f["grade_fit"] != 0.0
                    and f["quantity_fit"] != 0.0
                    and (not check_foreign or f["foreign_fit"] != 0.0)
                    and (wanted is None or self.index.variant_levels[row] == wanted)
                    and (channel is None or self._channels[row] in (None, channel))
                    and not contradicts_outright(row))

        def asked_for_own_words(row: int, other: int) -> bool:
            # "ghi chú ly hôn": "ghi vào sổ hộ tịch việc ly hôn, hủy việc kết hôn" names what was
            # asked; its "hủy" is the subject, not an operation to avoid.
            own = self._subject_words[row] - self._base_sets[other] - FUNCTION_WORDS
            return bool(own & query_words)

        order = sorted(range(len(scored)), key=lambda i: -scored[i][1])[:SIBLING_SPAN]
        fitting = {i: fits(scored[i][0], scored[i][2]) for i in order}
        out, settled = list(scored), set()
        for pos, i in enumerate(order):
            row, _, f = scored[i]
            if i in settled or fitting[i]:
                continue
            outright = contradicts_outright(row)
            for j in order[pos + 1:]:
                other, _, other_f = scored[j]
                if (j not in settled
                        and (fitting[j] or (outright and fits(other, other_f, like=row)))
                        and self._name_overlap(row, other) >= SIBLING_OVERLAP
                        and (outright or not asked_for_own_words(row, other))):
                    out[i], out[j] = (row, scored[j][1], f), (other, scored[i][1], other_f)
                    settled.update((i, j))
                    break
        return out

    def _name_overlap(self, a: int, b: int) -> float:
        """Jaccard overlap of two names' words (level qualifier aside); 1 when one name of three
        words or more is contained in the other ("Gia hạn tạm trú" and "Gia hạn tạm trú cho người
        nước ngoài tại Việt Nam"). A name listing several procedures overlaps by its closest one."""
        best = 0.0
        for first in [self._base_sets[a]] + self._listed_sets[a]:
            for second in [self._base_sets[b]] + self._listed_sets[b]:
                small, large = sorted((first, second), key=len)
                if len(small) >= 3 and small <= large:
                    return 1.0
                union = len(small | large)
                best = max(best, len(small & large) / union if union else 0.0)
        return best

    def _topic_tokens(self, row: int) -> tuple[set[str], set[str]]:
        """Accented and folded words of a procedure's name, aliases and field."""
        cached = self._topic_cache.get(row)
        if cached is None:
            proc = self.index.procedures[row]
            norm = normalize_query(" . ".join((proc.name, proc.field) + tuple(proc.aliases)))
            cached = (set(norm.tokens), set(norm.folded_tokens))
            self._topic_cache[row] = cached
        return cached

    def confidence_inputs(self, ranked: list[tuple[int, float, dict]], ctx: dict) -> dict[str, float]:
        groups = [self.index.group_keys[row] for row, _, _ in ranked]
        top_cov = top_acc = 0.0
        if ranked:
            norm = ctx["norm"]
            accented, folded = self._topic_tokens(ranked[0][0])
            top_cov = coverage(norm.folded_tokens, folded)
            # A message typed with diacritics must match with them: "vàng" is not "vắng".
            if norm.tokens != norm.folded_tokens:
                top_acc = coverage(norm.tokens, accented, folded=norm.folded_tokens)
            else:
                top_acc = top_cov
        extra = {}
        if ranked:
            topic = content_words(ctx["norm"].folded_tokens)
            extra = {
                "weighted_coverage": weighted_overlap(topic, folded, self._idf, self._default_idf),
                "unmatched_rarity": unmatched_rarity(topic, folded, self._idf, self._default_idf),
            }
        return confidence_features([f for _, _, f in ranked], [s for _, s, _ in ranked], groups,
                                   ctx["query_known"], top_cov, top_acc, message_cues(ctx["norm"]), extra)

    def search(self, text: str, k: int = 10) -> SearchResult:
        start = time.perf_counter()
        with _ONE_BLAS_THREAD:
            candidates, feats, ctx = self.candidate_features(text)
            ranked = self.rank(candidates, feats, ctx)
        conf_feats = self.confidence_inputs(ranked, ctx)
        confidence = self.calibration.confidence(conf_feats) if ranked else 0.0
        hits = []
        for row, score, f in ranked[:k]:
            proc = self.index.procedures[row]
            variants = [Variant(self.index.procedures[o].code, self.index.procedures[o].name,
                                self.index.variant_levels[o])
                        for o in self._groups.get(self.index.group_keys[row], ()) if o != row]
            hits.append(Hit(proc.code, proc.name, score, list(proc.levels), proc.agency, proc.field, f, variants))
        confident = bool(hits) and confidence >= self.calibration.threshold
        margin = float(conf_feats.get("margin", 0.0))
        return SearchResult(
            query=text, hits=hits, confident=confident, confidence=confidence, aspects=detect_aspects(text),
            elapsed_ms=(time.perf_counter() - start) * 1000.0,
            ambiguous=confident and len(hits) > 1 and margin < self.calibration.clarify_margin, margin=margin,
        )
