"""The rendezvous's place in its consumer group: the subscription (every published
data type's request topic, and the scores), the partitions it holds now (kept by the
rebalance callbacks), and the watch that rejoins the group when a request partition
is held without its scores partition (copartition.py)."""
from __future__ import annotations

import logging
import time
from typing import Callable

from confluent_kafka import Consumer

from common import topics
from rendezvous.copartition import CopartitionWatch, described, described_partitions

log = logging.getLogger(__name__)
TopicPartition = tuple[str, int]


class GroupMembership:
    def __init__(self, consumer: Consumer, unpaired_grace_s: float,
                 on_revoked: Callable[[list[TopicPartition]], None]):
        self._consumer = consumer
        self._grace_s = unpaired_grace_s
        self._copartition = CopartitionWatch(unpaired_grace_s)
        self._on_revoked = on_revoked  # their offsets are the new owner's to commit
        self._data_types: frozenset[str] | None = None  # subscribed once the state is read
        self._names: list[str] = []
        self.assigned: set[TopicPartition] = set()

    def consuming(self) -> set[str]:
        """The topics this instance holds partitions of now."""
        return {topic for topic, _ in set(self.assigned)}

    def unpaired(self) -> int:
        """Request partitions held without their scores partition, for the gauge."""
        return len(self._copartition.current)

    def follow(self, data_types: frozenset[str]) -> None:
        """Subscribe to the request topic of every published data type, by name. The
        models topic names a new data type before its runners are ready, so the group
        holds its partitions before the first request. (A regex subscription would
        wait for the broker to re-resolve it: at least 10 s under KIP-848.)"""
        if data_types == self._data_types:
            return
        self._subscribe([topics.requests_topic(dt) for dt in sorted(data_types)] + [topics.SCORES])
        self._data_types = data_types

    def check_copartitioned(self) -> None:
        """A request partition whose scores partition is elsewhere answers nothing but
        504s, silently. Say so, and leave and rejoin the group: the broker's range
        assignor recomputes the whole assignment (it keeps nothing from the last one), so
        a member that missed a step of a rebalance starts over from a clean one."""
        stuck = self._copartition.check(set(self.assigned), time.monotonic())
        if not stuck:
            return
        log.error("request partitions held for %.0f s without their scores partitions: %s (holding %s); "
                  "rejoining the group", self._grace_s, described(stuck), described(self.assigned))
        self._consumer.unsubscribe()
        self._subscribe(self._names)

    def _subscribe(self, names: list[str]) -> None:
        self._consumer.subscribe(names, on_assign=self._on_assign, on_revoke=self._on_revoke,
                                 on_lost=self._on_revoke)
        self._names = names
        log.info("rendezvous consuming %s", ", ".join(names))

    def _on_assign(self, consumer, partitions) -> None:
        self.assigned.update((p.topic, p.partition) for p in partitions)
        log.info("assigned %s; now holding %s", described_partitions(partitions), described(self.assigned))

    def _on_revoke(self, consumer, partitions) -> None:
        lost = [(p.topic, p.partition) for p in partitions]
        self.assigned.difference_update(lost)
        self._on_revoked(lost)
        log.info("revoked %s; now holding %s", described_partitions(partitions), described(self.assigned))
