"""The one Kafka wrapper every service uses: librdkafka settings built in one place,
a producer, topic creation, assign()-style reading and batched fetches. The
poll -> decode -> handle -> store-offset loop with dead-letter routing built on it is
in common/stream.py. Nothing here talks to the network in __init__."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from common import topics
from common.errors import Unavailable
from common.settings import InfraSettings

log = logging.getLogger(__name__)


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


def ensure_topics(infra: InfraSettings, names: Iterable[str], timeout: float = 15.0,
                  configs: Mapping[str, dict[str, str]] | None = None) -> None:
    """Create the topics that don't exist yet. Compacted ones keep the newest record per key;
    `configs` gives others a config of their own (the stats app's changelogs)."""
    admin = AdminClient(base_config(infra))
    existing = set(admin.list_topics(timeout=timeout).topics)
    wanted = [n for n in dict.fromkeys(names) if n not in existing]
    if not wanted:
        return
    new = [NewTopic(n, num_partitions=topics.partition_count(n, infra.partitions),
                    replication_factor=infra.kafka_replication_factor,
                    config={**topic_config(infra, n), **(configs or {}).get(n, {})})
           for n in wanted]
    for name, future in admin.create_topics(new, operation_timeout=timeout).items():
        try:
            future.result(timeout)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
        log.info("created topic %s", name)
    _wait_until_listed(admin, wanted, timeout)


def topic_config(infra: InfraSettings, name: str) -> dict[str, str]:
    """A new topic's own settings: compaction for the state topics, and the in-sync
    replicas an acks=all write needs when KAFKA_MIN_INSYNC_REPLICAS is set."""
    config = {"cleanup.policy": "compact"} if name in topics.COMPACTED else {}
    if infra.kafka_min_insync_replicas:
        config["min.insync.replicas"] = str(infra.kafka_min_insync_replicas)
    return config


def partition_leaders(infra: InfraSettings, topic: str, timeout: float = 10.0) -> dict[int, int]:
    """{partition: the node id of its leader} as the cluster's metadata says now."""
    listed = AdminClient(base_config(infra)).list_topics(topic, timeout=timeout).topics
    if topic not in listed or listed[topic].error:
        raise KafkaException(f"topic {topic} not found")
    return {p.id: p.leader for p in listed[topic].partitions.values()}


def in_sync_replicas(infra: InfraSettings, topic: str, timeout: float = 10.0) -> dict[int, list[int]]:
    """{partition: the node ids of its in-sync replicas}."""
    listed = AdminClient(base_config(infra)).list_topics(topic, timeout=timeout).topics
    return {p.id: list(p.isrs) for p in listed[topic].partitions.values()}


def _wait_until_listed(admin: AdminClient, names: list[str], timeout: float) -> None:
    """The controller acknowledges a new topic before every broker's metadata lists it
    and its partitions have leaders; a reader that looks it up at once may not find it."""
    deadline = time.monotonic() + timeout
    while True:
        listed = admin.list_topics(timeout=timeout).topics
        if all(n in listed and listed[n].partitions and not listed[n].error
               and all(p.leader >= 0 for p in listed[n].partitions.values()) for n in names):
            return
        if time.monotonic() > deadline:
            raise KafkaException(f"topics created but not listed after {timeout:.0f} s: {', '.join(names)}")
        time.sleep(0.05)


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
