"""The Kafka-native transport: ``--transport kafka`` skips the HTTP gateway.

Each record becomes a protobuf ``Request`` (through ``common.codec``, the one wire
codec) produced to ``requests.<data_type>`` with this client's own return address:
a fresh reply topic, ``replies.loadtest-<random>``, created with
``common.kafka.ensure_topics`` and read by ``common.replies.ReplyListener``, the
gateway's own reply reader (``assign()``, no group join, so it is ready at once).
Each batch of ``Answer`` messages is handed to the event loop in one call, where the
waiting ``send`` is resolved by its correlation id.

The request id, the correlation id and the record id are all the record's
``client_id``, so the platform's audit trail names the client's own key.

Outcomes (``Outcome.status``), the Kafka equivalents of the HTTP statuses:

* ``"ok"``      an official answer (HTTP 200)
* ``"timeout"`` the rendezvous's explicit timeout answer (HTTP 504, reason timeout)
* ``"model-error"`` its explicit answer that every model failed (HTTP 502, reason error)
* ``404``       the data type has no request topic (HTTP 404: unknown data type)
* ``503``       the producer's queue is full (HTTP 503: overload, not retried)
* ``"error"``   no answer within ``--timeout``, or the produce failed

Answers that match no waiting request are never handed to the runner:

* a second answer for an id already answered is a **duplicate**: dropped here
  (the contract says the platform sends one; a client must dedupe by id anyway)
  and counted in ``counters["duplicate_dropped"]``;
* an answer for an id this client sent but gave up on is counted in
  ``counters["answered_after_give_up"]``;
* an answer for an id this client **never sent** is **unexpected**: counted, and
  written as a one-sided ledger line (``client_id`` and the answer fields, no
  ``sent_at``) so that ``ledger_check`` reports it.  The line goes to the ledger
  bound with ``bind_ledger`` or, when none is bound, to
  ``<ledger>.unexpected.jsonl`` next to the ledger (check it with
  ``python -m loadtest check``).

The bootstrap servers come from ``--bootstrap`` (carried as a ``kafka://`` base
URL), else from ``KAFKA_BOOTSTRAP``, else ``127.0.0.1:9092``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import orjson
from confluent_kafka import OFFSET_BEGINNING, KafkaException
from confluent_kafka.admin import AdminClient

from common import codec, topics
from common.domain import Answer, Features, Reason, Request, ReturnAddress
from common.errors import Unavailable
from common.kafka import KafkaProducer, base_config, ensure_topics
from common.replies import ReplyListener
from common.settings import InfraSettings
from loadtest.config import RunConfig
from loadtest.transport import Outcome, Record

log = logging.getLogger(__name__)

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
BATCH = 512  # most answers taken per fetch
FETCH_TIMEOUT_S = 0.05  # how long the listener waits for the first answer of a batch

LedgerSink = Callable[[dict], None]


def bootstrap_from(base_url: str, environ: dict | None = None) -> str:
    """``kafka://host:port[,host:port]`` -> ``host:port[,...]``; otherwise the environment's."""
    environ = os.environ if environ is None else environ
    parts = urlsplit(base_url)
    if parts.scheme == "kafka":
        if not parts.netloc:
            raise ValueError(f"a kafka:// base URL needs host:port, got {base_url!r}")
        return parts.netloc
    return environ.get("KAFKA_BOOTSTRAP") or DEFAULT_BOOTSTRAP


def build_request(record: Record, reply_topic: str, enqueued_at_us: int) -> Request:
    """The wire request for one record: request, correlation and record id are all its client id."""
    if isinstance(record.features, dict):
        features = Features(named={str(k): float(v) for k, v in record.features.items()})
    else:
        features = Features(values=tuple(float(v) for v in record.features))
    return Request(request_id=record.client_id, data_type=record.data_type, input=features,
                   reply_to=ReturnAddress(reply_topic, record.client_id), enqueued_at_us=enqueued_at_us,
                   deadline_ms=record.deadline_ms or 0, record_id=record.client_id)


# Answers that carry no output, by reason: the status the ledger records, and why.
NO_OUTPUT = {Reason.TIMEOUT: ("timeout", "no model answered by the deadline"),
             Reason.ERROR: ("model-error", "every model answered with an error")}


def status_of(answer: Answer) -> str:
    return NO_OUTPUT.get(answer.reason, ("ok", None))[0]


def outcome_from_answer(answer: Answer, sent_at: float, answered_at: float) -> Outcome:
    """``"timeout"`` or ``"model-error"`` for the explicit answers that carry no output
    (HTTP's 504 and 502), ``"ok"`` otherwise."""
    return Outcome(
        status=status_of(answer), sent_at=sent_at, answered_at=answered_at,
        request_id=answer.request_id,
        model_name=answer.model.name if answer.model else None,
        model_version=answer.model.version if answer.model else None,
        reason=answer.reason.value,
        error=NO_OUTPUT.get(answer.reason, (None, None))[1],
    )


def unexpected_line(answer: Answer, data_type: str, answered_wall: float) -> dict:
    """A one-sided ledger line: an answer with no send, which ``ledger_check`` counts as unexpected."""
    return {
        "client_id": answer.correlation_id or answer.request_id,
        "data_type": answer.data_type or data_type,
        "status": status_of(answer),
        "request_id": answer.request_id,
        "model_name": answer.model.name if answer.model else None,
        "model_version": answer.model.version if answer.model else None,
        "reason": answer.reason.value,
        "answered_at": round(answered_wall, 6),
        "error": "an answer for an id this client never sent",
    }


class AnswerBook:
    """Which ids are waiting, answered or given up on; decides what each answer is.

    Pure bookkeeping (no I/O, no event loop), so the rules are unit-tested alone.
    ``classify`` returns one of ``"deliver"``, ``"duplicate"``, ``"after_give_up"``
    or ``"unexpected"``.
    """

    def __init__(self) -> None:
        self.waiting: dict[str, object] = {}  # id -> whatever the caller waits on
        self._sent: set[str] = set()
        self._answered: set[str] = set()

    def expect(self, client_id: str, waiter: object) -> None:
        self._sent.add(client_id)
        self.waiting[client_id] = waiter

    def give_up(self, client_id: str) -> None:
        self.waiting.pop(client_id, None)

    def classify(self, correlation_id: str) -> str:
        if correlation_id in self._answered:
            return "duplicate"
        if correlation_id not in self._sent:
            return "unexpected"
        self._answered.add(correlation_id)
        return "deliver" if correlation_id in self.waiting else "after_give_up"


class KafkaTransport:
    """Implements ``loadtest.transport.Transport`` with a Kafka producer and a reply topic."""

    def __init__(self, config: RunConfig) -> None:
        self.bootstrap = bootstrap_from(config.base_url)
        self._infra = InfraSettings(kafka_bootstrap=self.bootstrap)
        self._timeout_s = config.timeout_s
        self._data_type = config.data_type
        self.reply_topic = topics.replies_topic(f"loadtest-{uuid.uuid4().hex[:12]}")
        self._side_path = Path(str(config.ledger_path) + ".unexpected.jsonl")
        self._sink: LedgerSink | None = None
        self._side_file = None
        self._book = AnswerBook()
        self.counters: Counter = Counter()
        self._request_topics: set[str] = set()
        self._topics_checked_at = 0.0
        self._wall_offset = time.time() - time.perf_counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._producer: KafkaProducer | None = None
        self._listener: ReplyListener | None = None
        self._admin: AdminClient | None = None

    # Set-up and tear-down ------------------------------------------------------------
    def bind_ledger(self, sink: LedgerSink) -> None:
        """Write one-sided lines (unexpected answers) through ``sink`` (one dict per line)."""
        self._sink = sink

    async def open(self) -> None:
        self._loop = asyncio.get_running_loop()
        try:
            await asyncio.to_thread(self._prepare)
            # The gateway's own reply reader, from the topic's start: it is this run's, and fresh.
            self._listener = ReplyListener(self._infra, self.reply_topic, self._deliver, start_at=OFFSET_BEGINNING,
                                           batch_size=BATCH, poll_timeout_s=FETCH_TIMEOUT_S)
            await asyncio.to_thread(self._listener.start, self._loop)
        except KafkaException as exc:
            raise RuntimeError(f"cannot set up the reply topic on the broker at {self.bootstrap}: {exc}") from exc

    def _prepare(self) -> None:
        ensure_topics(self._infra, [self.reply_topic])  # waits until the topic is listed with its leaders
        self._admin = AdminClient(base_config(self._infra))
        self._request_topics = self._list_request_topics()
        # A produce that cannot be delivered fails within the client's own timeout.
        self._producer = KafkaProducer(self._infra, **{"message.timeout.ms": max(1000, int(self._timeout_s * 1000))})

    async def close(self) -> None:
        if self._listener is not None:
            await asyncio.to_thread(self._listener.stop)
            self.counters["bad_answers"] += self._listener.undecodable
        if self._producer is not None:
            await asyncio.to_thread(self._producer.close, 5)
        if self._side_file is not None:
            self._side_file.close()
        problems = {k: v for k, v in self.counters.items() if v}
        if problems:
            log.warning("kafka transport: %s (reply topic %s)", dict(problems), self.reply_topic)

    # Sending -------------------------------------------------------------------------
    async def send(self, record: Record) -> Outcome:
        sent_at = time.perf_counter()
        topic = topics.requests_topic(record.data_type)
        if topic not in self._request_topics and not await self._refresh_topics(topic):
            return Outcome(404, sent_at, time.perf_counter(),
                           error=f"unknown data type {record.data_type!r}: the broker has no topic {topic}")
        future = self._loop.create_future()
        self._book.expect(record.client_id, future)
        try:
            request = build_request(record, self.reply_topic, time.time_ns() // 1000)
            self._producer.produce(topic, codec.encode_request(request), key=record.client_id,
                                   on_delivery=self._on_delivery)
            async with asyncio.timeout(self._timeout_s):
                answer = await future
        except TimeoutError:
            return Outcome("error", sent_at, time.perf_counter(), error=f"no answer within {self._timeout_s}s")
        except Unavailable as exc:
            return Outcome(503, sent_at, time.perf_counter(), error=str(exc))
        except Exception as exc:  # any failure is an outcome, not a crash
            return Outcome("error", sent_at, time.perf_counter(), error=f"{type(exc).__name__}: {exc}")
        finally:
            self._book.give_up(record.client_id)
        return outcome_from_answer(answer, sent_at, time.perf_counter())

    def _list_request_topics(self) -> set[str]:
        found = self._admin.list_topics(timeout=5).topics
        return {name for name in found if name.startswith(topics.REQUESTS_PREFIX)}

    async def _refresh_topics(self, topic: str) -> bool:
        """Look again (at most once a second) for a request topic created after open()."""
        now = time.monotonic()
        if now - self._topics_checked_at >= 1.0:
            self._topics_checked_at = now
            try:
                self._request_topics = await asyncio.to_thread(self._list_request_topics)
            except KafkaException:
                pass
        return topic in self._request_topics

    def _on_delivery(self, err, msg) -> None:
        """Producer thread: only failures matter (the answer resolves the send)."""
        if err is not None:
            client_id = (msg.key() or b"").decode()
            self._loop.call_soon_threadsafe(self._fail, client_id, f"produce failed: {err}")

    def _fail(self, client_id: str, error: str) -> None:
        future = self._book.waiting.get(client_id)
        if future is not None and not future.done():
            future.set_exception(RuntimeError(error))

    # Receiving -----------------------------------------------------------------------
    def _deliver(self, answers: list[Answer]) -> None:
        """Event loop: resolve waiting sends; count (and log) everything else."""
        for answer in answers:
            correlation_id = answer.correlation_id or answer.request_id
            kind = self._book.classify(correlation_id)
            if kind == "deliver":
                future = self._book.waiting[correlation_id]
                if not future.done():
                    future.set_result(answer)
                continue
            self.counters[{"duplicate": "duplicate_dropped", "after_give_up": "answered_after_give_up",
                           "unexpected": "unexpected"}[kind]] += 1
            if kind == "unexpected":
                self._write_line(unexpected_line(answer, self._data_type, time.perf_counter() + self._wall_offset))

    def _write_line(self, line: dict) -> None:
        if self._sink is not None:
            self._sink(line)
            return
        if self._side_file is None:
            self._side_path.parent.mkdir(parents=True, exist_ok=True)
            self._side_file = open(self._side_path, "ab")  # noqa: SIM115 - closed in close()
        self._side_file.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
