"""Is this instance's assignment co-partitioned, and for how long has it not been?

A request is answered from its mailbox only if the instance that reads it also reads
its scores: runners send a score to its request's partition number (decision 009), and
the group's range assignor gives one member the same numbers of every topic when all
members subscribe to the same topics. A request partition held without the scores
partition of its number gets no scores: every request on it ends in a 504. Whenever
request p and scores p are apart, the member holding request p sees it here, so no
member has to know the others' assignments. A rebalance moves partitions one member
at a time, so this is normal for a moment; left standing it is a silent outage, which
the adapter logs, counts in a metric and answers by asking the group again."""
from __future__ import annotations

from typing import Iterable

from common import topics


def unpaired(held: Iterable[tuple[str, int]]) -> frozenset[tuple[str, int]]:
    """The request partitions held whose scores partition of the same number is not.
    (Request and score topics have one partition count: topics.partition_count.)"""
    held = set(held)
    scores = {p for t, p in held if t == topics.SCORES}
    return frozenset((t, p) for t, p in held if t.startswith(topics.REQUESTS_PREFIX) and p not in scores)


def described(partitions: Iterable[tuple[str, int]]) -> str:
    """(topic, partition) pairs for a log line: scores[0, 1] requests.iris[0, 1]."""
    by_topic: dict[str, list[int]] = {}
    for topic, partition in partitions:
        by_topic.setdefault(topic, []).append(partition)
    return " ".join(f"{t}{sorted(ps)}" for t, ps in sorted(by_topic.items())) or "none"


def described_partitions(partitions) -> str:
    """The same, for confluent-kafka's TopicPartition objects."""
    return described((p.topic, p.partition) for p in partitions)


class CopartitionWatch:
    """Tells when an unpaired assignment has outlived a rebalance. Time is passed in."""

    def __init__(self, grace_s: float):
        self._grace_s = grace_s
        self._since: float | None = None  # when the current unpaired spell began
        self.current: frozenset[tuple[str, int]] = frozenset()

    def check(self, held: Iterable[tuple[str, int]], now_s: float) -> frozenset[tuple[str, int]]:
        """The unpaired request partitions once they have stood for the grace period
        (else empty), reported again each further grace period they still stand."""
        self.current = unpaired(held)
        if not self.current:
            self._since = None
            return frozenset()
        if self._since is None:
            self._since = now_s
        if now_s - self._since < self._grace_s:
            return frozenset()
        self._since = now_s
        return self.current
