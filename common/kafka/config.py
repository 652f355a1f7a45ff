"""librdkafka settings, built in one place: every producer and consumer of the
platform starts from these."""
from __future__ import annotations

import time
from typing import Any

from common.settings import InfraSettings


def base_config(infra: InfraSettings) -> dict[str, Any]:
    return {"bootstrap.servers": infra.kafka_bootstrap, "socket.nagle.disable": True,
            "log_level": 3}


def producer_config(infra: InfraSettings, **extra: Any) -> dict[str, Any]:
    """Durability, stated (docs/decisions/005): acks=all, so an acknowledged message is
    on every in-sync replica (with min.insync.replicas=2 on a cluster it survives a
    broker's loss); idempotence, so librdkafka's own retries never write a message
    twice or out of order. linger.ms 0: a request's hop never waits for company
    (librdkafka still batches what queues up while a produce is in flight).
    message.max.bytes: KAFKA_MAX_MESSAGE_BYTES, room for a model published inline
    (GATEWAY_MAX_MODEL_BYTES) and its descriptor; the broker's limit is the same."""
    return {**base_config(infra), "linger.ms": 0, "acks": "all", "enable.idempotence": True,
            "message.max.bytes": infra.kafka_max_message_bytes, "queue.buffering.max.messages": 200_000, **extra}


def group_settings(protocol: str, assignor: str = "range") -> dict[str, Any]:
    """Consumer-group membership. KIP-848 ("consumer"): the broker assigns partitions
    on heartbeats, and its heartbeat and session timeouts are broker settings
    (stack/kafka/broker.properties). Classic: the client's own timeouts, short so that
    a join or a crashed member settles in seconds. Range keeps request and score
    partitions of the same number together (the rendezvous's co-partitioning) in both."""
    if protocol == "consumer":
        return {"group.protocol": "consumer", "group.remote.assignor": assignor}
    return {"group.protocol": "classic", "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
            "partition.assignment.strategy": assignor}


def consumer_config(infra: InfraSettings, group_id: str | None, **extra: Any) -> dict[str, Any]:
    """A hot-path consumer: a long fetch wait with fetch.min.bytes 1 (Kafka completes a
    waiting fetch as soon as data arrives, so the wait adds no latency and an idle
    consumer asks the broker twice a second), and offsets stored by us only after the
    work succeeded."""
    # read_uncommitted: nothing here writes transactions, and a read_committed fetch makes
    # the broker look up aborted transactions for every fetch (seen in its profile).
    conf = {**base_config(infra), "fetch.wait.max.ms": infra.fetch_wait_ms, "fetch.min.bytes": 1,
            "isolation.level": "read_uncommitted",
            "enable.auto.commit": True, "enable.auto.offset.store": False,
            "auto.commit.interval.ms": 500, "auto.offset.reset": "latest",
            "topic.metadata.refresh.interval.ms": 2000}
    if group_id is None:
        # assign() readers join no group and keep no offsets; librdkafka still wants an id.
        conf.update({"group.id": f"assign-only-{time.monotonic_ns()}", "enable.auto.commit": False})
    else:
        # A member that stops polling for 10 s (a stuck handler) leaves the group.
        conf.update({"group.id": group_id, "max.poll.interval.ms": 10000,
                     **group_settings(infra.kafka_group_protocol)})
    return {**conf, **extra}
