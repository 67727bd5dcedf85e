"""The knowledge base of this action-server process: loaded on first use, and switched to a new
index without a restart after the catalog is re-imported (knowledge_base/reloading.py)."""

from __future__ import annotations

from knowledge_base.reloading import ReloadingSearch
from knowledge_base.search import ProcedureSearch

_search = ReloadingSearch()


def search_engine() -> ProcedureSearch:
    return _search.current()
