"""Which offsets the rendezvous may commit: everything before the oldest message
it still needs (an open request, or a score waiting in a mailbox or the early
buffer). After a crash, a new owner replays from there and rebuilds the mailboxes
(docs/decisions/002-mailbox-recovery.md)."""
from __future__ import annotations

import heapq
from collections import defaultdict

TopicPartition = tuple[str, int]


class OffsetTracker:
    def __init__(self) -> None:
        self._held: dict[TopicPartition, dict[int, int]] = defaultdict(dict)  # offset -> hold count
        # The held offsets again, as a heap, so the oldest is found without a scan on every
        # tick; offsets released since are dropped from its top lazily.
        self._oldest: dict[TopicPartition, list[int]] = defaultdict(list)
        self._next: dict[TopicPartition, int] = {}  # one past the highest offset seen
        self._committed: dict[TopicPartition, int] = {}
        self._changed: set[TopicPartition] = set()  # seen or released since advanced() last looked

    def seen(self, tp: TopicPartition, offset: int) -> None:
        self._next[tp] = max(self._next.get(tp, 0), offset + 1)
        self._changed.add(tp)

    def hold(self, tp: TopicPartition, offset: int) -> None:
        held = self._held[tp]
        if offset not in held:
            heapq.heappush(self._oldest[tp], offset)
        held[offset] = held.get(offset, 0) + 1

    def release(self, tp: TopicPartition, offset: int) -> None:
        held = self._held.get(tp)
        if held is None or offset not in held:
            return
        held[offset] -= 1
        if held[offset] <= 0:
            del held[offset]
            self._changed.add(tp)

    def forget(self, tps: list[TopicPartition]) -> None:
        """Partitions revoked in a rebalance: their new owner replays them."""
        for tp in tps:
            self._held.pop(tp, None)
            self._oldest.pop(tp, None)
            self._next.pop(tp, None)
            self._committed.pop(tp, None)
            self._changed.discard(tp)

    def advanced(self) -> list[tuple[str, int, int]]:
        """(topic, partition, offset) whose committable offset moved since last asked."""
        moved = []
        changed, self._changed = self._changed, set()
        for tp in changed:
            next_offset = self._next.get(tp)
            if next_offset is None:
                continue
            safe = self._oldest_held(tp)
            safe = next_offset if safe is None else safe
            if safe > self._committed.get(tp, -1):
                self._committed[tp] = safe
                moved.append((tp[0], tp[1], safe))
        return moved

    def _oldest_held(self, tp: TopicPartition) -> int | None:
        held, oldest = self._held.get(tp), self._oldest.get(tp)
        while oldest and (not held or oldest[0] not in held):
            heapq.heappop(oldest)
        return oldest[0] if oldest else None
