"""Reading: assign()-style readers that join no group, batched fetches that never
wait for company, high watermarks, and what a consumed message becomes."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, KafkaException, TopicPartition


def assign_all(consumer: Consumer, names: Iterable[str], offset: int = OFFSET_BEGINNING,
               timeout: float = 15.0) -> list[TopicPartition]:
    """Read every partition of these topics without joining a group: for state topics
    read from the start, and for a gateway's own reply topic read from the end."""
    metadata = consumer.list_topics(timeout=timeout).topics
    missing = [n for n in names if n not in metadata]
    if missing:
        raise KafkaException(f"topics not found: {', '.join(missing)}")
    assignment = [TopicPartition(n, p, offset) for n in names for p in metadata[n].partitions]
    if offset == OFFSET_END:
        # The end as it is now, not when the first fetch resolves it: a message produced
        # after this returns is never skipped (a gateway's reply to its first request).
        for tp in assignment:
            tp.offset = end_offset(consumer, tp, timeout)
    consumer.assign(assignment)
    return assignment


# A partition of a topic created a moment ago may not have its leader in place yet.
_NOT_READY_YET = (KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
                  KafkaError.UNKNOWN_TOPIC_OR_PART)


def end_offset(consumer: Consumer, tp: TopicPartition, timeout: float = 10.0) -> int:
    """The partition's high watermark, asked again while its leader is still moving in."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return consumer.get_watermark_offsets(tp, timeout=max(0.1, deadline - time.monotonic()))[1]
        except KafkaException as exc:
            if exc.args[0].code() not in _NOT_READY_YET or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def fetch_batch(consumer: Consumer, max_messages: int, timeout: float) -> list:
    """Wait up to `timeout` for the first message, then take what is already there.
    (consume(n, timeout) waits until it has n messages or the timeout passes, which
    would add the whole timeout to every hop at low load.)"""
    first = consumer.poll(timeout)
    if first is None:
        return []
    return [first, *consumer.consume(max_messages - 1, 0)] if max_messages > 1 else [first]


def end_offsets(consumer: Consumer, assignment: list[TopicPartition], timeout: float = 10.0) -> dict:
    """The high watermark of each assigned partition: where 'caught up' is."""
    return {(tp.topic, tp.partition): end_offset(consumer, tp, timeout) for tp in assignment}


@dataclass(frozen=True, slots=True)
class Consumed:
    """A decoded message and where it came from (raw kept for dead-lettering)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: Any
    raw: bytes = b""


Decoder = Callable[[bytes], Any]
BatchHandler = Callable[[list[Consumed]], None]
