"""Procedure look-up over the knowledge base (used by operators and, later, the inbox)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request

router = APIRouter(prefix="/api/procedures", tags=["procedures"])


def knowledge_base(request: Request):
    """The loaded search engine, or None (a ReloadingSearch gives its current engine)."""
    kb = getattr(request.app.state, "knowledge_base", None)
    return kb.current() if hasattr(kb, "current") else kb


def _search(request: Request):
    kb = knowledge_base(request)
    if kb is None:
        raise HTTPException(status_code=503, detail={"error": "knowledge_base_unavailable",
                                                     "message": "The procedure index is not loaded."})
    return kb


@router.get("/search")
def search_procedures(request: Request, q: str = Query(..., min_length=1, max_length=2000),
                      k: int = Query(5, ge=1, le=20)):
    return _search(request).search(q, k=k).to_dict()


@router.get("/{code}")
def get_procedure(code: str, request: Request):
    proc = _search(request).procedure(code)
    if proc is None:
        raise HTTPException(status_code=404, detail={"error": "procedure_not_found", "code": code})
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in proc.__dict__.items()}
