"""The 1022 backend application. For now: health, procedure look-up and the widget demo page."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.app.config import Settings
from backend.app.routers import pages, procedures


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.knowledge_base = None
        if settings.load_knowledge_base:
            from knowledge_base.search import ProcedureSearch

            app.state.knowledge_base = ProcedureSearch.load()
        yield

    app = FastAPI(title="Tổng đài 1022 backend", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings

    @app.get("/health", tags=["health"])
    def health():
        return {"status": "ok"}

    app.include_router(procedures.router)
    app.include_router(pages.router)
    return app


app = create_app()
