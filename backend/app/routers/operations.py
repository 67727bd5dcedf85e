"""Operations endpoints: liveness, readiness and Prometheus metrics.

- GET /health        the process answers (liveness: restart it when this fails);
- GET /health/ready  it can serve: the database answers and, when configured, the knowledge base
                     is loaded (readiness: send it traffic only when this is 200);
- GET /metrics       Prometheus text format; `Authorization: Bearer <METRICS_TOKEN>` when set.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from backend.app.errors import ApiError

router = APIRouter(tags=["operations"])


@router.get("/health")
def health():
    return {"status": "ok"}


@router.get("/health/ready")
def ready(request: Request):
    checks: dict[str, str] = {}
    session_factory = getattr(request.app.state, "session_factory", None)
    try:
        if session_factory is None:
            raise RuntimeError("not initialised")
        with session_factory() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as e:  # the reason, not the URL (it may hold a password)
        checks["database"] = f"unavailable: {type(e).__name__}"
    if request.app.state.settings.load_knowledge_base:
        checks["knowledge_base"] = "ok" if request.app.state.knowledge_base is not None else "not loaded"
    ok = all(value == "ok" for value in checks.values())
    return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks}, status_code=200 if ok else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request):
    settings = request.app.state.settings
    if settings.metrics_token:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {settings.metrics_token}".encode()):
            raise ApiError(401, "unauthorized", "Metrics need Authorization: Bearer <METRICS_TOKEN>.")
    elif settings.is_production:
        raise ApiError(403, "forbidden", "Set METRICS_TOKEN to expose metrics in production.")
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
