"""Read the recorded decisions of a range, off the live path: an assign-only consumer
(no group, so no rebalance of anyone's partitions and no committed offsets), reading
from the range's first offset to the end offset fixed when the job starts.

A time range becomes offsets with the broker's time index: the first decision
recorded at or after `since`, and the first recorded after `until` plus a slack, since
a decision is recorded after its request was enqueued. Each decision is then kept
only if its request's data type matches and it was enqueued inside the range."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterator

from confluent_kafka import Consumer, KafkaError, TopicPartition

from common import codec, topics
from common.domain import Decision
from common.errors import WireError
from common.kafka import consumer_config, fetch_batch
from common.settings import InfraSettings
from replay.spec import ReplaySpec

log = logging.getLogger(__name__)
RECORDING_SLACK_US = 60_000_000  # a decision is recorded at most this long after its request was enqueued


@dataclass
class Span:
    start: int
    end: int  # excluded
    clipped: bool = False  # part of the range had already left the topic (retention)


class DecisionReader:
    def __init__(self, infra: InfraSettings, spec: ReplaySpec, topic: str = topics.DECISIONS):
        self._spec, self._topic = spec, topic
        # A bulk reader: let the broker gather up to 64 KiB or 100 ms per fetch.
        self._consumer = Consumer(consumer_config(infra, None, **{"fetch.wait.max.ms": 100, "fetch.min.bytes": 65536}))
        self.spans: dict[int, Span] = {}
        self.read = self.undecodable = 0

    def resolve(self, timeout: float = 15.0) -> int:
        """Fix each partition's span of offsets; returns how many records they hold."""
        metadata = self._consumer.list_topics(self._topic, timeout=timeout).topics[self._topic]
        for partition in metadata.partitions:
            low, high = self._consumer.get_watermark_offsets(TopicPartition(self._topic, partition), timeout=timeout)
            start, end = self._bounds(partition, high, timeout)
            self.spans[partition] = Span(max(start, low), min(end, high), clipped=start < low)
        return self.total

    @property
    def total(self) -> int:
        return sum(max(0, s.end - s.start) for s in self.spans.values())

    def _bounds(self, partition: int, high: int, timeout: float) -> tuple[int, int]:
        if self._spec.offsets:
            return self._spec.offsets.get(partition, (0, 0))
        # One call per moment: asked twice for one partition in one call, the broker answers once.
        start, end = (self._consumer.offsets_for_times([TopicPartition(self._topic, partition, at_us // 1000)],
                                                       timeout=timeout)[0].offset
                      for at_us in (self._spec.since_us, self._spec.until_us + RECORDING_SLACK_US))
        return (high if start < 0 else start), (high if end < 0 else end)  # -1: nothing that late

    def batches(self, size: int) -> Iterator[list[Decision]]:
        """The range's decisions of the spec's data type, in batches of at most `size`."""
        live = {p: s for p, s in self.spans.items() if s.end > s.start}
        self._consumer.assign([TopicPartition(self._topic, p, s.start) for p, s in live.items()])
        pending: list[Decision] = []
        while live:
            messages = fetch_batch(self._consumer, size, 1.0)
            if not messages:
                self._drop_finished(live)  # an offset gap at a span's end yields no message to see
            for msg in messages:
                if msg.error():
                    if msg.error().code() != KafkaError._PARTITION_EOF:
                        log.warning("replay read error: %s", msg.error())
                    continue
                span = live.get(msg.partition())
                if span is None or msg.offset() >= span.end:
                    continue
                self.read += 1
                decision = self._keep(msg)
                if decision is not None:
                    pending.append(decision)
                if msg.offset() + 1 >= span.end:
                    self._finish(live, msg.partition())
            while len(pending) >= size or (pending and not live):
                yield pending[:size]
                pending = pending[size:]

    def _finish(self, live: dict[int, Span], partition: int) -> None:
        del live[partition]
        self._consumer.pause([TopicPartition(self._topic, partition)])  # past its span: fetch no more

    def _drop_finished(self, live: dict[int, Span]) -> None:
        for tp in self._consumer.position([TopicPartition(self._topic, p) for p in live]):
            if tp.offset >= live[tp.partition].end:
                self._finish(live, tp.partition)

    def _keep(self, msg) -> Decision | None:
        try:
            decision = codec.decode_decision(msg.value() or b"")
        except WireError:
            self.undecodable += 1
            return None
        request = decision.request
        if request.data_type != self._spec.data_type:
            return None
        if not self._spec.offsets and not self._spec.since_us <= request.enqueued_at_us < self._spec.until_us:
            return None
        return decision

    def close(self) -> None:
        self._consumer.close()
