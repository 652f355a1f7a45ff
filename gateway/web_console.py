"""The web console at /console: one HTML page, plain JavaScript modules and a style
sheet from gateway/console/, served as they are (no build step). The page only calls
the gateway's own JSON API with the token the user types, so this module holds no
logic of the platform; it serves files, with headers fit for a page that holds a token:

- Content-Security-Policy: scripts, styles and API calls from this origin only, no
  inline script or style, no plugins, no framing, no form posts elsewhere. A value
  injected into the page could not run, and could not send the token anywhere.
- no referrer, no MIME sniffing, and no caching (a new gateway's files show at once)."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.staticfiles import StaticFiles

FILES = Path(__file__).with_name("console")
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self'",
    "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"))
SECURITY_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-cache"}


class ConsoleFiles(StaticFiles):
    """StaticFiles with the console's security headers on every file it serves."""

    def file_response(self, *args, **kwargs):
        response = super().file_response(*args, **kwargs)
        response.headers.update(SECURITY_HEADERS)
        return response


def mount_console(app: FastAPI) -> None:
    """Serve the console at /console/ (and send /console there). Neither is in the
    OpenAPI spec: they are a page, not part of the API."""

    @app.get("/console", include_in_schema=False)
    async def console_root() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=308)

    app.mount("/console", ConsoleFiles(directory=FILES, html=True), name="console")
