"""One error body for the JSON API: {"error": machine-readable code, "message": for people}.

Validation errors (422) add "errors": [{"field", "type", "message"}] and never echo the input
(it may hold a phone number).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class ApiError(Exception):
    def __init__(self, status_code: int, error: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status_code, self.error, self.message, self.headers = status_code, error, message, headers


def _field_name(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return JSONResponse({"error": exc.error, "message": exc.message}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError):
        errors = [{"field": _field_name(tuple(e.get("loc", ()))), "type": e.get("type", "invalid"),
                   "message": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"error": "validation_error", "message": "Dữ liệu gửi lên không hợp lệ.",
                             "errors": errors}, status_code=422)
