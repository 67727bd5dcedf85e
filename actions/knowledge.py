"""The knowledge base, loaded once per action-server process."""

from __future__ import annotations

import threading

from knowledge_base.search import ProcedureSearch

_lock = threading.Lock()
_search: ProcedureSearch | None = None


def search_engine() -> ProcedureSearch:
    global _search
    if _search is None:
        with _lock:
            if _search is None:
                _search = ProcedureSearch.load(progress=False)
    return _search
