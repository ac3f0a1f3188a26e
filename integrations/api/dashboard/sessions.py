"""The dashboard's session: an HttpOnly, SameSite=Lax cookie holding the ops token (Secure
over https), no schema of its own.

The token is checked like a Bearer token on every request (hashed lookup, cached briefly),
so revoking the key ends the session. Lax rather than Strict so that a link to a case page
in an alert (mail, chat) opens it directly; cross-site POSTs never carry the cookie (the POSTs
are login, logout and confirming or dismissing a suggested promise). The JSON API ignores the cookie (Bearer only)."""

from __future__ import annotations

from fastapi import Request, Response

from integrations.db.credentials import ApiKey

COOKIE = "terrain_session"


def read_session(request: Request) -> ApiKey | None:
    from integrations.api.auth import lookup

    token = request.cookies.get(COOKIE)
    return lookup(request, token) if token else None


def open_session(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=secure, max_age=12 * 3600)


def close_session(response: Response, secure: bool = False) -> None:
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=secure)
