"""The dashboard's session: an HttpOnly, SameSite=Strict cookie holding the ops token.

The token is checked like a Bearer token on every request (hashed lookup, cached briefly),
so revoking the key ends the session."""

from __future__ import annotations

from fastapi import Request, Response

from integrations.db.credentials import ApiKey

COOKIE = "terrain_session"


def read_session(request: Request) -> ApiKey | None:
    from integrations.api.auth import lookup

    token = request.cookies.get(COOKIE)
    return lookup(request, token) if token else None


def open_session(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=secure, max_age=12 * 3600)


def close_session(response: Response) -> None:
    response.delete_cookie(COOKIE)
