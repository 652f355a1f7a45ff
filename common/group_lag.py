"""Consumer lag per group and topic: how many messages each consumer group has yet to
read, from the broker's own figures (committed offsets and high watermarks). Measured
every few seconds in a background thread, never on a request's path; a scrape reads
the last measurement.

Only groups with members count. An empty group has no one to lag: the group of a
retired model version stays on the broker, empty, its committed offsets falling
further behind with every request; it would top every lag chart while meaning nothing.
A service whose every member died shows on its own /metrics target (down), not here."""
from __future__ import annotations

import logging
import threading

from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from common.kafka import base_config
from common.settings import InfraSettings

log = logging.getLogger(__name__)
IDLE_STATES = (ConsumerGroupState.EMPTY, ConsumerGroupState.DEAD)


def measure_lag(admin: AdminClient, timeout: float = 5.0) -> dict[tuple[str, str], int]:
    """(group, topic) -> messages not yet committed by the group, summed over partitions."""
    listed = admin.list_consumer_groups(request_timeout=timeout).result(timeout)
    groups = [g.group_id for g in listed.valid if g.state not in IDLE_STATES]
    committed: dict[str, list[TopicPartition]] = {}
    for group in groups:  # the API takes one group per request
        future = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)],
                                                   request_timeout=timeout)[group]
        committed[group] = [tp for tp in future.result(timeout).topic_partitions or [] if tp.offset >= 0]
    partitions = {(tp.topic, tp.partition) for tps in committed.values() for tp in tps}
    if not partitions:
        return {}
    ends = admin.list_offsets({TopicPartition(t, p): OffsetSpec.latest() for t, p in partitions},
                              request_timeout=timeout)
    end_of = {(tp.topic, tp.partition): future.result(timeout).offset for tp, future in ends.items()}
    lag: dict[tuple[str, str], int] = {}
    for group, tps in committed.items():
        for tp in tps:
            key = (group, tp.topic)
            lag[key] = lag.get(key, 0) + max(0, end_of[(tp.topic, tp.partition)] - tp.offset)
    return lag


def lag_of_group(admin: AdminClient, group: str, topics: list[str],
                 timeout: float = 5.0) -> tuple[int, tuple[int, ...]]:
    """One group's lag on these topics, whether or not it has members, and its committed
    offsets. A partition it never committed counts from its start: what a reader with
    auto.offset.reset=earliest has yet to read."""
    listed = admin.list_topics(timeout=timeout).topics
    partitions = [TopicPartition(t, p) for t in topics if t in listed for p in sorted(listed[t].partitions)]
    if not partitions:
        return 0, ()
    future = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group, partitions)],
                                               request_timeout=timeout)[group]
    done = {(tp.topic, tp.partition): tp.offset for tp in future.result(timeout).topic_partitions or []}
    starts, ends = ({(tp.topic, tp.partition): f.result(timeout).offset for tp, f in admin.list_offsets(
        {tp: spec() for tp in partitions}, request_timeout=timeout).items()}
        for spec in (OffsetSpec.earliest, OffsetSpec.latest))
    lag, committed = 0, []
    for tp in partitions:
        key = (tp.topic, tp.partition)
        start, end, offset = starts[key], ends[key], done.get(key, -1)
        committed.append(offset)
        lag += max(0, end - (offset if offset >= 0 else start))
    return lag, tuple(committed)


class GroupLagMonitor:
    """Measures every `interval_s` in a daemon thread; `lags` holds the last measurement."""

    def __init__(self, infra: InfraSettings, interval_s: float):
        self._admin = AdminClient(base_config(infra))
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="group-lag", daemon=True)
        self.lags: dict[tuple[str, str], int] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.lags = measure_lag(self._admin)
            except (KafkaException, TimeoutError) as exc:  # the broker is away: keep the last figures
                log.warning("consumer lag not measured: %s", exc)
            self._stop.wait(self._interval_s)
