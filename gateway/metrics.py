"""The gateway's Prometheus metrics, served at GET /metrics on the gateway's own port:
prediction requests by API, data type and HTTP status, their latency as the client
sees it, and the requests in flight.

Counted by an ASGI middleware, so every answer is seen: the route's own, the 4xx/5xx
of the error handlers and the body-size limit, and those of any predict route another
module adds (the Open Inference Protocol's infer). Its cost per request is a path
split, a dict update and a bisect (common/metrics.py)."""
from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request as HttpRequest
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from common.metrics import LATENCY_BUCKETS, Buckets, Counts, Readings, process_registry
from gateway.core import PredictService

# A data type the gateway does not know is counted under this label, so that requests
# for made-up names cannot grow the number of series without bound.
UNKNOWN = "unknown"


class GatewayMetrics:
    def __init__(self) -> None:
        self.service: PredictService | None = None  # set once the app has started
        self.requests = Counts("rvs_gateway_requests_total", "Prediction requests, by API, data type and HTTP "
                               "status.", ("api", "data_type", "status"))
        self.latency = Buckets("rvs_gateway_request_seconds", "Prediction requests' time in the gateway, from "
                               "the request to its response, by API and data type.", ("api", "data_type"),
                               LATENCY_BUCKETS)
        in_flight = Readings("rvs_gateway_in_flight", "Requests waiting for their answer in this gateway.", (),
                             lambda: {(): self.service.in_flight() if self.service else 0})
        limit = Readings("rvs_gateway_admission_limit", "Requests this gateway admits at once now: its recent "
                         "answer rate times the target wait; past it, 503.", (),
                         lambda: {(): self.service.admission_limit() if self.service else 0})
        self.registry = process_registry(self.requests, self.latency, in_flight, limit)

    def record(self, api: str, data_type: str, status: int, seconds: float) -> None:
        known = self.service.known_data_types if self.service else {}
        label = data_type if data_type in known else UNKNOWN
        self.requests.inc((api, label, str(status)))
        self.latency.observe((api, label), seconds)


def predict_route(path: str) -> tuple[str, str] | None:
    """(api, data type) of a prediction path, or None for any other path."""
    parts = path.split("/")
    if len(parts) == 4 and parts[1] == "v1" and parts[2] == "predict":
        return "v1", parts[3]
    if len(parts) == 5 and parts[1] == "v2" and parts[2] == "models" and parts[4] == "infer":
        return "v2", parts[3]
    return None


class RequestMetrics:
    """Pure ASGI middleware (no BaseHTTPMiddleware: that one copies every body)."""

    def __init__(self, app, metrics: GatewayMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        route = predict_route(scope["path"]) if scope["type"] == "http" else None
        if route is None:
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500  # an exception that escapes becomes a 500 outside

        async def send_and_note_status(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            self.metrics.record(*route, status, time.perf_counter() - started)


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(http: HttpRequest) -> Response:
    """Prometheus's text format. Rendered off the event loop: it walks every series."""
    body = await asyncio.to_thread(generate_latest, http.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
