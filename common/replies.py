"""Reading a return address: a reply topic read with assign() (no group join, so it
is ready at once) on a background thread. Each batch of answers is handed to the
event loop in one call, where waiting requests are resolved. The gateway reads its
instance's reply topic this way; so can any Kafka-native client.

A message there that is not an answer has no request to fail: it is counted, logged
and, given a DeadLetters, dead-lettered like poison on any other topic. The topic is
read from where the listener started, so each message is met once."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Callable

from confluent_kafka import OFFSET_END, Consumer

from common import codec
from common.domain import Answer
from common.kafka import Consumed, assign_all, consumer_config, fetch_batch
from common.settings import InfraSettings
from common.stream import DeadLetters, decode_batch

log = logging.getLogger(__name__)


class _LogOnly(DeadLetters):
    """Where nobody gave a producer (a client's own reader): the log line, no dead letter."""

    def __init__(self):
        super().__init__(None, "")

    def send(self, record: Consumed, error: str) -> None:
        log.warning("not an answer at %s[%d]@%d: %s", record.topic, record.partition, record.offset, error)


class ReplyListener:
    """`deliver` runs on the event loop with each batch of decoded answers. By default
    the topic is read from its end as it is when start() returns (only answers to
    requests sent after that); `start_at=OFFSET_BEGINNING` reads a fresh topic whole."""

    def __init__(self, infra: InfraSettings, topic: str, deliver: Callable[[list[Answer]], None], *,
                 start_at: int = OFFSET_END, batch_size: int = 512, poll_timeout_s: float = 0.05,
                 dead_letters: DeadLetters | None = None):
        self._infra = infra
        self._topic = topic
        self._deliver = deliver
        self._start_at = start_at
        self._batch_size = batch_size
        self._poll_timeout_s = poll_timeout_s
        self.undecodable = 0  # messages on the topic that are not answers (dead-lettered or logged, then skipped)
        self._dead_letters = dead_letters or _LogOnly()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        consumer = Consumer(consumer_config(self._infra, None))
        assign_all(consumer, [self._topic], self._start_at)
        self._thread = threading.Thread(target=self._run, args=(consumer,), name="replies", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self, consumer: Consumer) -> None:
        try:
            while not self._stop.is_set():
                messages = fetch_batch(consumer, self._batch_size, self._poll_timeout_s)
                answers = [r.value for r in decode_batch(messages, self._decoder_for, self._dead_letters,
                                                         self._count_undecodable)]
                if answers:
                    self._loop.call_soon_threadsafe(self._deliver, answers)
        except RuntimeError:  # the event loop closed under us: nobody is waiting any more
            pass
        finally:
            consumer.close()

    def _decoder_for(self, topic: str):
        return codec.decode_answer

    def _count_undecodable(self, record: Consumed) -> None:
        self.undecodable += 1
