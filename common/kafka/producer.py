"""The platform's producer: librdkafka's, with its delivery callbacks served on a
thread of its own and a full queue turned into Unavailable (a 503 at the gateway)."""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from confluent_kafka import KafkaError, KafkaException, Producer

from common.errors import Unavailable
from common.kafka.config import producer_config
from common.settings import InfraSettings

log = logging.getLogger(__name__)


class KafkaProducer:
    """A thin producer. A background thread serves delivery callbacks so that
    callers never block on the network."""

    def __init__(self, infra: InfraSettings, *, report_successes: bool = True, **extra: Any):
        """report_successes=False: librdkafka reports only failed deliveries (logged here),
        so a hot producer whose callers never wait on a delivery (runners, the gateway) doesn't
        wake its callback thread, and take the GIL, for every message."""
        conf = producer_config(infra, **extra)
        if not report_successes:
            conf["delivery.report.only.error"] = True
        self._producer = Producer(conf)
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._serve_callbacks, name="kafka-producer-poll", daemon=True)
        self._poller.start()

    def produce(self, topic: str, value: bytes, key: str | bytes | None = None,
                on_delivery: Callable | None = None) -> None:
        try:
            self._producer.produce(topic, value, key, on_delivery=on_delivery or _log_failure)
        except BufferError as exc:
            raise Unavailable("the producer's queue is full; retry shortly") from exc

    def produce_batch(self, topic: str, messages: list[tuple[str | bytes | None, bytes]],
                      on_delivery: Callable | None = None,
                      callbacks: list[Callable] | None = None, partition: int | None = None) -> None:
        """Queue a poll's worth of (key, value) in one call: one crossing into librdkafka
        and one wake-up of its sender instead of one per message (the runners' scores,
        the rendezvous's answers and decisions, the gateway's requests of one loop turn).
        `callbacks`, if given, has one delivery callback per message. `partition` puts
        them all in one partition: librdkafka sends one produce request per partition, so
        a batch kept together is one request to the broker."""
        if not messages:
            return
        batch = [{"key": key, "value": value} for key, value in messages]
        if callbacks is not None:
            for message, callback in zip(batch, callbacks, strict=True):
                message["callback"] = callback
        where = {} if partition is None else {"partition": partition}
        try:
            queued = self._producer.produce_batch(topic, batch, on_delivery=on_delivery or _log_failure, **where)
        except BufferError as exc:
            raise Unavailable("the producer's queue is full; retry shortly") from exc
        if queued < len(batch):
            failed = [m.get("_error") for m in batch if "_error" in m]
            if any(getattr(e, "code", lambda: None)() == KafkaError._QUEUE_FULL for e in failed):
                raise Unavailable(f"the producer's queue is full: {len(failed)} of {len(batch)} not queued")
            raise KafkaException(failed[0] if failed else f"{len(batch) - queued} messages not queued")

    def _serve_callbacks(self) -> None:
        while not self._stopping.is_set():
            self._producer.poll(0.05)

    def broker_answers(self, timeout: float = 2.0) -> bool:
        return self.partition_counts(timeout) is not None

    def partition_counts(self, timeout: float = 2.0) -> dict[str, int] | None:
        """Each topic's number of partitions, or None if the broker doesn't answer."""
        try:
            listed = self._producer.list_topics(timeout=timeout).topics
        except KafkaException:
            return None
        return {name: len(topic.partitions) for name, topic in listed.items()}

    def flush(self, timeout: float = 10.0) -> int:
        return self._producer.flush(timeout)

    def close(self, timeout: float = 10.0) -> None:
        left = self.flush(timeout)
        self._stopping.set()
        if left:
            log.warning("%d messages were not delivered before close", left)


def _log_failure(err, msg) -> None:
    if err is not None:
        log.error("message to %s not delivered: %s", msg.topic(), err)
