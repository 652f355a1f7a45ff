"""The gateway's transport-neutral core: turn a validated record into a request on
its data type's topic, and wait for the official answer at this instance's return
address until the deadline plus a grace."""
from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time

from common import codec, topics
from common.clock import now_us
from common.domain import Answer, Features, Request, ReturnAddress
from common.errors import NotFound, PlatformError, Unavailable
from common.kafka import KafkaProducer
from gateway.admission import AdmissionControl
from gateway.input_schema import check_features
from gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

# Request ids: 128 random bits from a generator seeded by the OS once. Not os.urandom or uuid4 per
# request: those release the GIL for a system call on the event loop's thread, which then
# waits for the reply thread to hand the GIL back. Ids need to be unique, not secret:
# every read of what they name needs a token.
_ids = random.Random()  # noqa: S311 - seeded from os.urandom; unique ids, not secrets (see above)


class PredictService:
    def __init__(self, settings: GatewaySettings, producer: KafkaProducer, reply_topic: str):
        self._settings = settings
        self._producer = producer
        self._reply_topic = reply_topic
        self._pending: dict[str, asyncio.Future] = {}
        self._outbox: dict[str, list[tuple[str, bytes, asyncio.Future]]] = {}  # topic -> this loop turn's requests
        self.known_data_types: dict[str, bool] = {}  # data type -> has a ready model (from the registry)
        self.input_schemas: dict[str, tuple[str, ...]] = {}  # data type -> feature names (from the registry)
        self.partitions: dict[str, int] = {}  # topic -> its partition count (from the broker)
        self._turns = itertools.count()
        self.admission = AdmissionControl(
            target_wait_s=settings.default_deadline_ms * settings.admission_wait_fraction / 1000,
            window_s=settings.admission_window_s, max_limit=settings.max_in_flight,
            min_limit=min(settings.admission_min_limit, settings.max_in_flight))

    async def predict(self, data_type: str, features: list[float] | dict[str, float],
                      record_id: str | None, deadline_ms: int | None) -> tuple[Request, Answer | None]:
        """Returns the request and its answer, or None if none came by deadline + grace."""
        self._check(data_type, [features])
        self._admit(1)
        return await self._ask(self._request(data_type, features, record_id, deadline_ms), deadline_ms)

    async def predict_rows(self, data_type: str, rows: list, deadline_ms: int | None) -> list:
        """One request per row, admitted together: (request, answer or None), or the
        exception that row met, per row in order."""
        self._check(data_type, rows)
        self._admit(len(rows))
        requests = [self._request(data_type, row, None, deadline_ms) for row in rows]
        return await asyncio.gather(*(self._ask(r, deadline_ms) for r in requests), return_exceptions=True)

    def _check(self, data_type: str, rows: list) -> None:
        """Before anything is admitted or produced."""
        if data_type not in self.known_data_types:
            raise NotFound(f"unknown data type {data_type!r}; known: {', '.join(sorted(self.known_data_types)) or 'none'}")
        for features in rows:
            check_features(data_type, self.input_schemas.get(data_type), features)

    def _admit(self, count: int) -> None:
        if not self.admission.admit(time.monotonic(), count):
            raise Unavailable(f"{self.admission.in_flight} requests in flight, as many as this gateway's answer "
                              f"rate answers in time; retry shortly")

    async def _ask(self, request: Request, deadline_ms: int | None) -> tuple[Request, Answer | None]:
        """Produce an admitted request and wait for its answer; its place is freed however it ends."""
        future = asyncio.get_running_loop().create_future()
        self._pending[request.request_id] = future
        answer = None
        try:
            self._send(topics.requests_topic(request.data_type), request.request_id, codec.encode_request(request),
                       future)
            wait_ms = (deadline_ms or self._settings.default_deadline_ms) + self._settings.grace_ms
            answer = await asyncio.wait_for(future, wait_ms / 1000)
            return request, answer
        except asyncio.TimeoutError:
            log.warning("no answer for %s by its deadline", request.request_id)
            return request, None
        finally:
            self._pending.pop(request.request_id, None)
            self.admission.done(time.monotonic(), answered=answer is not None)

    def in_flight(self) -> int:
        """Requests waiting for their answer (a metric, read when scraped)."""
        return len(self._pending)

    def admission_limit(self) -> int:
        """Requests admitted at once now (a metric, read when scraped)."""
        return self.admission.limit(time.monotonic())

    def _send(self, topic: str, key: str, payload: bytes, future: asyncio.Future) -> None:
        """Queue the request for the end of this loop turn: the requests that arrived in
        the same turn go to librdkafka in one call, and to one partition, so that they
        are one produce request to the broker (and the runners' scores for them, which
        follow their request's partition, another). Turns take partitions in rotation."""
        if not self._outbox:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outbox.setdefault(topic, []).append((key, payload, future))

    def _flush(self) -> None:
        outbox, self._outbox = self._outbox, {}
        turn = next(self._turns)
        for topic, queued in outbox.items():
            count = self.partitions.get(topic)
            try:
                self._producer.produce_batch(topic, [(key, payload) for key, payload, _ in queued],
                                             partition=turn % count if count else None)
            except Exception as exc:  # the queue is full, or the topic is gone: fail these requests now
                for *_, future in queued:
                    if not future.done():
                        future.set_exception(exc if isinstance(exc, PlatformError) else Unavailable(str(exc)))

    def deliver(self, answers: list[Answer]) -> None:
        """Called on the event loop with a batch of answers from the reply topic.
        An answer for a request no longer waiting (a duplicate, or after the grace) is dropped."""
        for answer in answers:
            future = self._pending.pop(answer.request_id, None)
            if future is not None and not future.done():
                future.set_result(answer)

    def _request(self, data_type: str, features, record_id: str | None, deadline_ms: int | None) -> Request:
        request_id = f"{_ids.getrandbits(128):032x}"
        if isinstance(features, dict):
            payload = Features(named=features)
        else:
            payload = Features(values=tuple(features))
        # Always a deadline: the policy's may be shorter, but past this nobody waits for the
        # answer, so runners may skip the request rather than deepen a backlog.
        return Request(request_id=request_id, data_type=data_type, input=payload,
                       reply_to=ReturnAddress(self._reply_topic, request_id), enqueued_at_us=now_us(),
                       deadline_ms=deadline_ms or self._settings.default_deadline_ms, record_id=record_id or "")
