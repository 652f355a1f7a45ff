"""The consume loop every service runs: poll a micro-batch, decode it, hand it to
the service's core, and store offsets only after the core succeeded. A message that
can't be decoded goes to the dead-letter topic with its origin, and the loop moves on."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable, Mapping

from confluent_kafka import Consumer, KafkaError, TopicPartition

from common import codec, topics
from common.clock import now_us
from common.errors import WireError
from common.kafka import BatchHandler, Consumed, Decoder, KafkaProducer, fetch_batch
from common.metrics import Counts

log = logging.getLogger(__name__)

# Every consumer of a process dead-letters through DeadLetters, so the count is the
# process's: each service's metrics registry includes it.
DEAD_LETTERS = Counts("rvs_dead_letters_total", "Messages sent to the dead-letter topic, by the consumer that "
                      "could not handle them and the topic they came from.", ("consumer", "topic"))


class DeadLetters:
    """Sends what a consumer can't handle to the dead-letter topic, with its origin."""

    def __init__(self, producer: KafkaProducer, consumer_name: str):
        self._producer = producer
        self._consumer_name = consumer_name

    def send(self, record: Consumed, error: str) -> None:
        log.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, error)
        DEAD_LETTERS.inc((self._consumer_name, record.topic))
        payload = codec.encode_dead_letter(
            topic=record.topic, partition=record.partition, offset=record.offset, error=error,
            consumer=self._consumer_name, key=record.key, payload=record.raw, at_us=now_us())
        self._producer.produce(topics.DEAD_LETTERS, payload, key=record.key)


def decode_batch(messages, decoder_for: Callable[[str], Decoder | None], dead_letters: DeadLetters,
                 on_dead: Callable[[Consumed], None] | None = None) -> list[Consumed]:
    """Decode a fetched batch. What can't be decoded is dead-lettered (then `on_dead`
    runs, to move past it) and left out: every reader of every topic does this one way."""
    records = []
    for msg in messages:
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                log.warning("consumer error: %s", msg.error())
            continue
        decoder = decoder_for(msg.topic())
        raw = msg.value() or b""
        try:
            if decoder is None:
                raise WireError(f"no decoder for topic {msg.topic()}")
            value = decoder(raw)
        except WireError as exc:
            dead = Consumed(msg.topic(), msg.partition(), msg.offset(), msg.key(), None, raw)
            dead_letters.send(dead, exc.message)
            if on_dead is not None:
                on_dead(dead)
            continue
        records.append(Consumed(msg.topic(), msg.partition(), msg.offset(), msg.key(), value, raw))
    return records


class ConsumerLoop:
    """poll -> decode -> handle -> store offsets, until stop() or SIGTERM's event.

    `decoders` maps a topic name, or a prefix ending in '.', to its decoder.
    With `store_offsets=False` the handler stores offsets itself (see store()).
    """

    def __init__(self, consumer: Consumer, decoders: Mapping[str, Decoder], handler: BatchHandler,
                 dead_letters: DeadLetters, *, batch_size: int = 256, poll_timeout: float = 0.05,
                 store_offsets: bool = True, tick: Callable[[], None] | None = None,
                 next_poll_timeout: Callable[[], float] | None = None):
        self._consumer = consumer
        self._decoders = dict(decoders)
        self._handler = handler
        self._dead_letters = dead_letters
        self._batch_size = batch_size
        self._poll_timeout = poll_timeout
        self._store_offsets = store_offsets
        self._tick = tick  # called after every poll, busy or idle: timers live there
        self._next_poll_timeout = next_poll_timeout
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def store(self, topic: str, partition: int, next_offset: int) -> None:
        """Mark everything before next_offset in topic[partition] as done."""
        self._consumer.store_offsets(offsets=[TopicPartition(topic, partition, next_offset)])

    def run(self) -> None:
        try:
            while not self._stop.is_set():
                timeout = self._next_poll_timeout() if self._next_poll_timeout else self._poll_timeout
                messages = fetch_batch(self._consumer, self._batch_size, max(0.0, min(timeout, self._poll_timeout)))
                records = self._decode(messages)
                if records:
                    self._handle(records)
                if self._tick is not None:
                    self._tick()
        finally:
            self._consumer.close()  # commits stored offsets and leaves the group at once

    def _decoder_for(self, topic: str) -> Decoder | None:
        decoder = self._decoders.get(topic)
        if decoder is None and topic.startswith(topics.REQUESTS_PREFIX):
            decoder = self._decoders.get(topics.REQUESTS_PREFIX)
        return decoder

    def _decode(self, messages) -> list[Consumed]:
        on_dead = self._stored_past if self._store_offsets else None
        return decode_batch(messages, self._decoder_for, self._dead_letters, on_dead)

    def _stored_past(self, record: Consumed) -> None:
        self.store(record.topic, record.partition, record.offset + 1)

    def _handle(self, records: list[Consumed]) -> None:
        try:
            self._handler(records)
        except Exception:
            # At-least-once: rewind to the batch's first offsets and try again later.
            log.exception("handler failed on a batch of %d; rewinding", len(records))
            self._rewind(records)
            time.sleep(0.5)
            return
        if self._store_offsets:
            last = {}
            for r in records:
                last[(r.topic, r.partition)] = r.offset
            self._consumer.store_offsets(
                offsets=[TopicPartition(t, p, o + 1) for (t, p), o in last.items()])

    def _rewind(self, records: list[Consumed]) -> None:
        first: dict[tuple[str, int], int] = {}
        for r in records:
            first.setdefault((r.topic, r.partition), r.offset)
        for (topic, partition), offset in first.items():
            self._consumer.seek(TopicPartition(topic, partition, offset))
