"""The 1022 backend application: health, tickets API, public status look-up, procedure look-up and
the widget demo page."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.app.body_limit import BodySizeLimit
from backend.app.config import Settings
from backend.app.db import make_engine, make_session_factory, migrate_to_head
from backend.app.errors import install_error_handlers
from backend.app.privacy import install_log_redaction
from backend.app.routers import (agencies, deliveries, inbox, operations, pages, procedures, public, public_pages,
                                 reports, tickets)
from backend.app.security import install_page_handlers
from backend.app.services.canned_replies import load_canned_replies
from backend.app.services.delivery_dispatcher import DeliveryDispatcher
from backend.app.services.metrics import BackendMetrics, RequestMetrics
from backend.app.services.rate_limit import SlidingWindowRateLimiter
from backend.app.services.working_days import WorkingCalendar


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    settings.validate()  # refuse to start, e.g. in production without a bot token

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings.database_url)
        migrate_to_head(engine)
        app.state.engine = engine
        app.state.session_factory = make_session_factory(engine)
        app.state.metrics.watch_database(app.state.session_factory)
        app.state.knowledge_base = None
        if settings.load_knowledge_base:
            from knowledge_base.reloading import ReloadingSearch

            # Loaded now; switches to a new index by itself after a catalog re-import.
            app.state.knowledge_base = ReloadingSearch()
            app.state.knowledge_base.current()
        app.state.delivery_dispatcher = None
        if settings.deliveries_enabled:
            app.state.delivery_dispatcher = DeliveryDispatcher(app.state.session_factory, settings)
            app.state.delivery_dispatcher.start()
        try:
            yield
        finally:
            if app.state.delivery_dispatcher is not None:
                app.state.delivery_dispatcher.stop()
            engine.dispose()

    app = FastAPI(title="Tổng đài 1022 backend", version="0.2.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = BackendMetrics()
    app.state.working_calendar = WorkingCalendar.with_overrides(settings.extra_days_off,
                                                                settings.extra_working_days)
    app.state.public_lookup_limiter = SlidingWindowRateLimiter(settings.public_lookup_rate_limit,
                                                               settings.public_lookup_rate_window_s)
    app.state.canned_replies = load_canned_replies(settings.canned_replies_file)
    install_error_handlers(app)
    install_page_handlers(app)
    install_log_redaction()
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)

    app.include_router(operations.router)
    app.include_router(tickets.router)
    app.include_router(deliveries.router)
    app.include_router(public.router)
    app.include_router(agencies.router)
    app.include_router(procedures.router)
    app.include_router(pages.router)
    app.include_router(public_pages.router)
    app.include_router(reports.router)
    app.include_router(inbox.router)
    return app


app = create_app()
