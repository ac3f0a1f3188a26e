"""Every error answer is {"error": {"code", "message", "details"}}; bad input is never a 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain import errors

log = logging.getLogger(__name__)

STATUS_BY_ERROR: list[tuple[type[errors.DomainError], int]] = [
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.InvalidInput, 422),
    (errors.DomainError, 400),
]


class ApiError(Exception):
    """An error raised by an adapter (auth, signature, size) with its status and code."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": details}}, status_code=status, headers=headers)


# A body that is one model or another (`UpdateIn | UpdateBatchIn`): pydantic reports every arm.
UNION_ARMS = {"UpdateIn", "UpdateBatchIn"}


def _jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """The errors of the arm the body meant (a batch when it has `updates`), so that a refused
    batch names only its failing items and fields, with the arm's name left out of `loc`."""
    errs = list(exc.errors())
    body = getattr(exc, "body", None)
    arms = {err["loc"][1] for err in errs if len(err.get("loc", ())) > 1 and err["loc"][1] in UNION_ARMS}
    if arms:
        meant = "UpdateBatchIn" if isinstance(body, dict) and "updates" in body else "UpdateIn"
        errs = [
            {**err, "loc": (err["loc"][0], *err["loc"][2:])}
            for err in errs
            if len(err.get("loc", ())) > 1 and err["loc"][1] == meant
        ] or errs
    return [{"loc": list(err.get("loc", ())), "msg": err.get("msg"), "type": err.get("type")} for err in errs]


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.DomainError)
    async def _domain(_request: Request, exc: errors.DomainError) -> JSONResponse:
        status = next(code for cls, code in STATUS_BY_ERROR if isinstance(exc, cls))
        return error_response(status, exc.code, exc.message, exc.details)

    @app.exception_handler(ApiError)
    async def _api(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _jsonable_errors(exc)
        if any(d["type"] in ("json_invalid", "string_unicode") for d in details):
            # string_unicode: a lone UTF-16 surrogate escape ("\ud800"), which Python's decoder
            # lets through and no text can hold.
            return error_response(400, "malformed_json", "the body is not valid JSON", details)
        if any(d["type"] == "timezone_aware" for d in details):
            return error_response(422, "naive_timestamp", "timestamps must be RFC 3339 with an offset", details)
        return error_response(422, "invalid_input", "the request does not match the schema", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, (ValueError, RecursionError)):
            # FastAPI's answer to a body its JSON decoder cannot even start on (invalid UTF-8,
            # nesting deeper than the decoder goes): malformed JSON like any other.
            return error_response(
                400,
                "malformed_json",
                "the body is not valid JSON",
                [{"loc": ["body"], "msg": exc.__cause__.__class__.__name__, "type": "json_invalid"}],
            )
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden", 413: "body_too_large"}.get(
            exc.status_code, "http_error"
        )
        return error_response(exc.status_code, code, str(exc.detail), None, getattr(exc, "headers", None))

    @app.exception_handler(ValueError)
    async def _value(_request: Request, exc: ValueError) -> JSONResponse:
        # The database driver refuses some text (NUL characters) before any row is written;
        # any other ValueError here is a bug of ours, reported as such.
        if "NUL" in str(exc):
            return error_response(422, "invalid_input", "text must not contain NUL characters")
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "unexpected error")

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return error_response(503, "database_unavailable", "the database is unavailable, retry later", None, {"Retry-After": "1"})
