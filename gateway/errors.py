"""Every error the gateway writes has one body, `{"error": "...", "detail": [...]}`
(ErrorBody), whoever raised it: a PlatformError, a request pydantic refused, or
Starlette itself (an unknown path, a method the path doesn't take, a body it could
not parse). The spec says so once, for every route, and the fuzz test holds the
code to it (tests/e2e/test_fuzz.py)."""
from __future__ import annotations

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from common.errors import PlatformError


def json_response(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlatformError)
    async def platform_error(_request, exc: PlatformError) -> Response:
        headers = {"Retry-After": "1"} if exc.retryable else None
        body = {"error": exc.message}
        if getattr(exc, "detail", None):  # e.g. FeaturesMismatch: one {loc, msg} per problem, like other 422s
            body["detail"] = exc.detail
        return json_response(exc.status_code, body, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(_request, exc: RequestValidationError) -> Response:
        detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return json_response(422, {"error": "invalid request", "detail": detail})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return json_response(exc.status_code, {"error": str(exc.detail)}, headers)


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path. Starlette's own 405 names only the
    first route whose path matched, and GET and PUT of one path are two routes here.
    Each method is tried as a full match, which also sees into included routers."""
    return [method for method in HTTP_METHODS
            if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.routes)]
