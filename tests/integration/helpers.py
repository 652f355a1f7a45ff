"""Small helpers for tests on the real broker."""
from __future__ import annotations

import time

from confluent_kafka import OFFSET_BEGINNING, Consumer

from common.errors import WireError
from common.kafka import assign_all, consumer_config


def read_topic(infra, topic: str, decode, want: int, timeout: float = 20.0, match=lambda v: True) -> list:
    """Read a topic from its start until `want` matching values arrived or the time is up."""
    consumer = Consumer(consumer_config(infra, None))
    assign_all(consumer, [topic], OFFSET_BEGINNING)
    found, deadline = [], time.monotonic() + timeout
    try:
        while len(found) < want and time.monotonic() < deadline:
            msg = consumer.poll(0.1)
            if msg is None or msg.error():
                continue
            try:
                value = decode(msg.value())
            except WireError:  # other tests leave poison on shared topics
                continue
            if match(value):
                found.append(value)
    finally:
        consumer.close()
    return found


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
