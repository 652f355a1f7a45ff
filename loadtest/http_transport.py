"""The HTTP transport: ``POST {base}/v1/predict/{data_type}`` per record.

Each request carries the record's ``client_id`` twice: as the
``Idempotency-Key`` header (so a retried send can never be scored twice) and as
``record_id`` in the body (so the platform's audit trail names the client's own
key).  Overload answers (429/503 with Retry-After) are recorded, never retried:
retrying would hide the overload the run is meant to measure.

A base URL may list several gateways of one platform, comma-separated; requests
take them in turn, each over its own pool (how the bench drives two gateways).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from urllib.parse import quote

import orjson

from loadtest.config import RunConfig
from loadtest.http_wire import ConnectionPool, HttpResponse
from loadtest.transport import Outcome, Record

# Bodies of error answers are kept in the ledger up to this length, for diagnosis.
ERROR_BODY_CHARS = 200


class HttpTransport:
    """Implements ``loadtest.transport.Transport`` over HTTP/1.1 keep-alive."""

    def __init__(self, config: RunConfig) -> None:
        self._pools = [ConnectionPool(url.strip(), config.pool_size) for url in config.base_url.split(",")]
        self._turn = itertools.cycle(range(len(self._pools)))
        self._timeout_s = config.timeout_s
        self._heads: dict[tuple[int, str], bytes] = {}  # (pool, data_type) -> constant part of the head

    async def open(self) -> None:
        """Nothing to do: connections open on demand, up to the pool size."""

    async def close(self) -> None:
        for pool in self._pools:
            await pool.close()

    async def send(self, record: Record) -> Outcome:
        body = orjson.dumps(request_body(record))
        pool = next(self._turn)
        head = self._head_for(pool, record.data_type) + b"Idempotency-Key: %s\r\nContent-Length: %d\r\n\r\n" % (
            record.client_id.encode(),
            len(body),
        )
        sent_at = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout_s):
                response = await self._pools[pool].request(head, body)
        except TimeoutError:
            return Outcome("error", sent_at, time.perf_counter(), error=f"no answer within {self._timeout_s}s")
        except Exception as exc:  # any transport failure is an outcome, not a crash
            return Outcome("error", sent_at, time.perf_counter(), error=f"{type(exc).__name__}: {exc}")
        return outcome_from_response(response, sent_at, time.perf_counter())

    def _head_for(self, pool: int, data_type: str) -> bytes:
        head = self._heads.get((pool, data_type))
        if head is None:
            target = self._pools[pool]
            path = f"{target.path_prefix}/v1/predict/{quote(data_type, safe='')}"
            head = (
                b"POST %s HTTP/1.1\r\nHost: %s\r\n"
                b"Content-Type: application/json\r\nAccept: application/json\r\n"
            ) % (path.encode(), target.host_header)
            self._heads[(pool, data_type)] = head
        return head


def request_body(record: Record) -> dict:
    body = {"features": record.features, "record_id": record.client_id}
    if record.deadline_ms is not None:
        body["deadline_ms"] = record.deadline_ms
    return body


def outcome_from_response(response: HttpResponse, sent_at: float, answered_at: float) -> Outcome:
    """Read the platform's JSON answer; tolerate bodies that are not JSON."""
    try:
        answer = orjson.loads(response.body) if response.body else {}
    except orjson.JSONDecodeError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    model = answer.get("model") if isinstance(answer.get("model"), dict) else {}
    error = None
    if not 200 <= response.status < 300:
        error = response.body[:ERROR_BODY_CHARS].decode("utf-8", "replace") or None
    return Outcome(
        status=response.status,
        sent_at=sent_at,
        answered_at=answered_at,
        request_id=answer.get("request_id"),
        model_name=model.get("name"),
        model_version=model.get("version"),
        reason=answer.get("reason"),
        error=error,
        platform_ms=answer["latency_ms"] if isinstance(answer.get("latency_ms"), (int, float)) else None,
    )
