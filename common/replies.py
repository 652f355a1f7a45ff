"""Reading a return address: a reply topic read with assign() (no group join, so it
is ready at once) on a background thread. Each batch of answers is handed to the
event loop in one call, where waiting requests are resolved. The gateway reads its
instance's reply topic this way; so can any Kafka-native client."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Callable

from confluent_kafka import OFFSET_END, Consumer

from common import codec
from common.domain import Answer
from common.errors import WireError
from common.kafka import assign_all, consumer_config, fetch_batch
from common.settings import InfraSettings

log = logging.getLogger(__name__)


class ReplyListener:
    """`deliver` runs on the event loop with each batch of decoded answers. By default
    the topic is read from its end as it is when start() returns (only answers to
    requests sent after that); `start_at=OFFSET_BEGINNING` reads a fresh topic whole."""

    def __init__(self, infra: InfraSettings, topic: str, deliver: Callable[[list[Answer]], None], *,
                 start_at: int = OFFSET_END, batch_size: int = 512, poll_timeout_s: float = 0.05):
        self._infra = infra
        self._topic = topic
        self._deliver = deliver
        self._start_at = start_at
        self._batch_size = batch_size
        self._poll_timeout_s = poll_timeout_s
        self.undecodable = 0  # messages on the topic that are not answers (logged, then skipped)
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
                answers = []
                for msg in fetch_batch(consumer, self._batch_size, self._poll_timeout_s):
                    if msg.error():
                        continue
                    try:
                        answers.append(codec.decode_answer(msg.value() or b""))
                    except WireError as exc:
                        # Nobody else reads this topic: log it; there is no request to fail.
                        self.undecodable += 1
                        log.warning("bad answer at %s[%d]@%d: %s", msg.topic(), msg.partition(), msg.offset(), exc)
                if answers:
                    self._loop.call_soon_threadsafe(self._deliver, answers)
        except RuntimeError:  # the event loop closed under us: nobody is waiting any more
            pass
        finally:
            consumer.close()
