"""`/docs`: Swagger UI served from this site (no CDN), with its start-up script as a file so
that the Content-Security-Policy needs no inline script.

The Swagger UI bundle and stylesheet come from the `fastapi-offline` package (MIT; Swagger UI
itself is Apache-2.0), which ships them as package data."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse

from integrations.api.errors import ApiError

router = APIRouter(include_in_schema=False)


def swagger_assets() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("the fastapi-offline package (Swagger UI assets) is not installed")
    return Path(spec.origin).parent / "static"


ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Terrain API · Swagger UI</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi="/openapi.json"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/static/docs-init.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
async def docs() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/docs/assets/{name}")
async def docs_asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise ApiError(404, "not_found", "no such file")
    return FileResponse(swagger_assets() / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})
