"""Answers as they went over the wire: every gateway's reply topic read from its start.
The ledger sees what HTTP clients got, and a gateway resolves a request once, so a
second answer never reaches a client; here a second answer shows even so. A resend of
the same bytes is allowed (decision 002: at least once, idempotent); two different
answers for one request are not."""
from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer

from common import codec
from common.kafka import assign_all

IDLE_S = 3.0  # read until nothing came for this long
LIMIT_S = 120.0


def reply_topics(run_dir: Path) -> list[str]:
    """Each gateway instance's return address, from its log (a restart names a new one)."""
    topics = []
    for log in sorted(Path(run_dir, "logs").glob("gateway*.log")):
        topics += re.findall(r"return address (\S+)", log.read_text(errors="replace"))
    return sorted(set(topics))


def answers_on_the_wire(bootstrap: str, topics: list[str]) -> dict:
    payloads: dict[str, set[bytes]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "chaos-wire", "enable.auto.commit": False})
    try:
        assign_all(consumer, topics, OFFSET_BEGINNING)
        idle_since = started = time.monotonic()
        while time.monotonic() - idle_since < IDLE_S and time.monotonic() - started < LIMIT_S:
            msg = consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            request_id = codec.decode_answer(msg.value()).request_id
            counts[request_id] += 1
            payloads[request_id].add(msg.value())
            idle_since = time.monotonic()
    finally:
        consumer.close()
    return {"answers": sum(counts.values()),
            "resent_same_bytes": sum(1 for rid, n in counts.items() if n > 1 and len(payloads[rid]) == 1),
            "two_different_answers": sum(1 for p in payloads.values() if len(p) > 1)}
