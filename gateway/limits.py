"""Bounded inputs: ASGI middlewares that refuse bodies over a size with 413, whether or
not the client sent a Content-Length, and predictions past the admission limit with 503."""
from __future__ import annotations

import time

import orjson

from gateway.metrics import predict_route


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    def __init__(self, app, max_bytes: int, max_model_bytes: int):
        self.app = app
        self.max_bytes = max_bytes
        self.max_model_bytes = max_model_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        limit = self._limit_for(scope["path"])
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await self._refuse(send, limit)
        received = 0

        async def counting_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge()
            return message

        try:
            await self.app(scope, counting_receive, send)
        except BodyTooLarge:
            await self._refuse(send, limit)

    def _limit_for(self, path: str) -> int:
        # Model uploads are bounded separately, and much larger; 64 kB covers the descriptor part.
        return self.max_model_bytes + 65536 if path.startswith("/v1/models") else self.max_bytes

    @staticmethod
    async def _refuse(send, limit: int) -> None:
        body = orjson.dumps({"error": f"request body larger than {limit} bytes"})
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class ShedWhenFull:
    """Refuse a prediction with 503 + Retry-After before its body is read or routed when
    the admission limit is reached. Under overload most requests are refused, and on a
    small machine the gateway's CPU then goes to refusing them: this path skips the
    body, the validation and the exception handlers, so more CPU is left for the
    requests that are admitted. PredictService.predict still admits each request itself
    (others may be admitted while this one's body arrives)."""

    BODY = orjson.dumps({"error": "overloaded: as many requests in flight as this gateway's answer rate "
                                  "answers in time; retry shortly"})

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and predict_route(scope["path"]):
            service = getattr(scope["app"].state, "service", None)  # None until the app has started
            if service is not None and not service.admission.has_room(time.monotonic()):
                await send({"type": "http.response.start", "status": 503,
                            "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1"),
                                        (b"content-length", str(len(self.BODY)).encode())]})
                return await send({"type": "http.response.body", "body": self.BODY})
        return await self.app(scope, receive, send)
