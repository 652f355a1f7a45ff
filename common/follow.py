"""Follow state topics (models, model-status, policies) from their
beginning in a background thread, without joining a consumer group. Services wait until
they have caught up before they serve, so they never act on a half-read state.

A follower reads the whole of a (compacted) state topic at every start, so a poison
record there is met again and again: by each restart, and by each instance of a
service. Each service dead-letters it once all the same: the follower marks what it
has dead-lettered as the committed offset of a bookkeeping group named for it
(`follow.<name>`, never joined, only written), and skips a poison record below that mark."""
from __future__ import annotations

import logging
import threading
from typing import Callable, Mapping

from confluent_kafka import Consumer, KafkaException, TopicPartition

from common import codec, topics
from common.kafka import Consumed, Decoder, KafkaProducer, assign_all, consumer_config, end_offsets
from common.settings import InfraSettings
from common.stream import ConsumerLoop, DeadLetters

log = logging.getLogger(__name__)

# Every state topic and its decoder: what the registry and the rendezvous follow.
STATE_DECODERS: dict[str, Decoder] = {topics.MODELS: codec.decode_descriptor,
                                      topics.MODEL_STATUS: codec.decode_status,
                                      topics.POLICIES: codec.decode_policy}


class DeadLettersOnce(DeadLetters):
    """DeadLetters for a reader that rereads from the start: the committed offset of
    its bookkeeping group says how far this service has dead-lettered already."""

    def __init__(self, producer: KafkaProducer, consumer_name: str, consumer: Consumer):
        super().__init__(producer, consumer_name)
        self._consumer = consumer

    def send(self, record: Consumed, error: str) -> None:
        if self._marked(record) > record.offset:
            log.info("%s[%d]@%d was dead-lettered before: %s", record.topic, record.partition, record.offset, error)
            return
        super().send(record, error)
        # The dead letter first, then the mark: a crash in between repeats a dead letter, never loses one.
        self._producer.flush(10)
        try:
            self._consumer.commit(offsets=[TopicPartition(record.topic, record.partition, record.offset + 1)],
                                  asynchronous=False)
        except KafkaException as exc:  # the follower goes on; a later start may dead-letter it again
            log.warning("could not mark %s[%d]@%d as dead-lettered: %s", record.topic, record.partition,
                        record.offset, exc)

    def _marked(self, record: Consumed) -> int:
        """How far this service has dead-lettered; negative when nothing was ever marked
        or the broker can't say (then the record is dead-lettered: twice beats never)."""
        try:
            return self._consumer.committed([TopicPartition(record.topic, record.partition)], timeout=10)[0].offset
        except KafkaException as exc:
            log.warning("no dead-letter mark for %s[%d]: %s", record.topic, record.partition, exc)
            return -1


class StateFollower:
    def __init__(self, infra: InfraSettings, decoders: Mapping[str, Decoder],
                 on_record: Callable[[Consumed], None], producer: KafkaProducer, name: str):
        self._infra = infra
        self._decoders = dict(decoders)
        self._on_record = on_record
        self._producer = producer
        self._name = name
        self._caught_up = threading.Event()
        self._ends: dict[tuple[str, int], int] = {}
        self._assignment: list = []
        self._consumer: Consumer | None = None
        self._loop: ConsumerLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # Never subscribed, so never a member: the group only keeps the dead-letter marks.
        self._consumer = Consumer(consumer_config(self._infra, None, **{"group.id": f"follow.{self._name}"}))
        self._assignment = assign_all(self._consumer, list(self._decoders))
        self._ends = {tp: end for tp, end in end_offsets(self._consumer, self._assignment).items() if end > 0}
        dead_letters = DeadLettersOnce(self._producer, self._name, self._consumer)
        self._loop = ConsumerLoop(self._consumer, self._decoders, self._handle, dead_letters,
                                  store_offsets=False, tick=self._check_caught_up, poll_timeout=0.1)
        self._thread = threading.Thread(target=self._loop.run, name=f"follow-{self._name}", daemon=True)
        self._thread.start()

    def wait_caught_up(self, timeout: float = 30.0) -> bool:
        return self._caught_up.wait(timeout)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _handle(self, records: list[Consumed]) -> None:
        for record in records:
            try:
                self._on_record(record)
            except Exception:  # one bad state record must not stop the follower
                log.exception("failed to apply %s[%d]@%d", record.topic, record.partition, record.offset)

    def _check_caught_up(self) -> None:
        if self._caught_up.is_set():
            return
        # Positions, not handled records: a dead-lettered last record still counts as read.
        positions = self._consumer.position(self._assignment)
        if all(tp.offset >= self._ends[(tp.topic, tp.partition)] for tp in positions
               if (tp.topic, tp.partition) in self._ends):
            self._caught_up.set()
