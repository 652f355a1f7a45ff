"""Latency percentiles from a bounded histogram, not a list of every value.

A window may hold thousands of latencies, and every window of every key is written to
a changelog topic as one JSON value, so it must stay small however busy the window is.
Buckets grow by 5% each from 0.01 ms: a percentile read from them is the upper bound of
the bucket its rank falls in, at most 5% above the value observed. Latencies from
0.01 ms to 10^7 ms (about 2.8 hours) need at most 426 buckets; a window holds only the
buckets it saw, as {"<index>": count}, typically a few dozen."""
from __future__ import annotations

import math
from typing import Iterable, Mapping

GROWTH = 1.05
SMALLEST_MS = 0.01
LARGEST_BUCKET = math.ceil(math.log(1e7 / SMALLEST_MS) / math.log(GROWTH))


def bucket_of(latency_ms: float) -> int:
    """The bucket whose upper bound is the smallest one at or above the value."""
    if latency_ms <= SMALLEST_MS:
        return 0
    index = math.ceil(round(math.log(latency_ms / SMALLEST_MS) / math.log(GROWTH), 9))
    return min(index, LARGEST_BUCKET)


def upper_bound_ms(bucket: int) -> float:
    return SMALLEST_MS * GROWTH ** bucket


def add(sketch: dict[str, int], values_ms: Iterable[float]) -> dict[str, int]:
    """The sketch with the values counted in (a new dict: table values are never mutated in place)."""
    counted = dict(sketch)
    for value in values_ms:
        key = str(bucket_of(value))
        counted[key] = counted.get(key, 0) + 1
    return counted


def percentile(sketch: Mapping[str, int], q: float) -> float | None:
    """Nearest rank, like common.stats.percentile, over the buckets: the upper bound of
    the bucket holding rank ceil(q/100 * n), in ms rounded to 3 places; None when empty."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    total = sum(sketch.values())
    if not total:
        return None
    rank = max(math.ceil(round(q / 100.0 * total, 9)), 1)
    seen = 0
    for bucket in sorted(sketch, key=int):
        seen += sketch[bucket]
        if seen >= rank:
            return round(upper_bound_ms(int(bucket)), 3)
    raise AssertionError("unreachable: the ranks add up to the total")


def summary(sketch: Mapping[str, int]) -> dict[str, float | None]:
    return {"p50": percentile(sketch, 50), "p90": percentile(sketch, 90), "p99": percentile(sketch, 99)}
