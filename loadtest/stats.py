"""Percentile math: exact for reports (common.stats.percentile, the definition /stats
uses too), approximate-but-O(1) for the live display, by the same nearest rank.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from common.stats import percentile

REPORT_PERCENTILES = (50, 90, 99, 99.9)


def percentile_key(q: float) -> str:
    """50 -> "p50", 99.9 -> "p99.9"."""
    return f"p{q:g}"


def latency_summary(values: Iterable[float], percentiles: Sequence[float] = REPORT_PERCENTILES) -> dict:
    """count, mean, the given percentiles and max of latencies in milliseconds."""
    ordered = sorted(values)
    summary = {"count": len(ordered), "mean": sum(ordered) / len(ordered) if ordered else None}
    for q in percentiles:
        summary[percentile_key(q)] = percentile(ordered, q)
    summary["max"] = ordered[-1] if ordered else None
    return summary


def per_second_summaries(points: Iterable[tuple[float, float]]) -> list[dict]:
    """Group ``(seconds_since_start, latency_ms)`` into 1-second buckets.

    Returns one summary per second that has data, in time order, each with
    ``second`` (the bucket's start), count, p50, p99 and max.
    """
    buckets: dict[int, list[float]] = defaultdict(list)
    for seconds, latency in points:
        buckets[math.floor(seconds)].append(latency)
    return [
        {"second": second, **latency_summary(buckets[second], (50, 99))}
        for second in sorted(buckets)
    ]


class LogHistogram:
    """Counts latencies in buckets about 2% wide, for cheap running percentiles.

    ``add`` is O(1) (one log and one dict update), so the live display costs
    almost nothing per request; ``percentile`` walks the few hundred buckets.
    """

    BUCKETS_PER_E = 50  # bucket width: a factor of e**(1/50), about 2%
    FLOOR_MS = 0.001

    def __init__(self) -> None:
        self._counts: dict[int, int] = defaultdict(int)
        self.count = 0

    def add(self, latency_ms: float) -> None:
        bucket = math.floor(math.log(max(latency_ms, self.FLOOR_MS)) * self.BUCKETS_PER_E)
        self._counts[bucket] += 1
        self.count += 1

    def percentile(self, q: float) -> float | None:
        """The upper edge of the bucket holding the nearest-rank percentile."""
        if not self.count:
            return None
        rank = max(1, math.ceil(round(q / 100.0 * self.count, 9)))
        seen = 0
        for bucket in sorted(self._counts):
            seen += self._counts[bucket]
            if seen >= rank:
                return math.exp((bucket + 1) / self.BUCKETS_PER_E)
        return None  # unreachable: the counts add up to self.count
