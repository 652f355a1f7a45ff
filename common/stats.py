"""One percentile definition for the whole tree: /stats and the load tool's reports.

Nearest rank: the p-th percentile of n sorted values is the value at rank
ceil(p/100 * n). It is always a value that was observed, so "p99 = 12.3 ms" means some
request really took 12.3 ms; on the values 1..100, p99 is 99 and p100 is 100."""
from __future__ import annotations

import math
from typing import Sequence


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of values sorted ascending; None when empty."""
    if not sorted_values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    # Round first: 99.9 / 100 * 1000 is 999.0000000000001 in floating point.
    rank = math.ceil(round(q / 100.0 * len(sorted_values), 9))
    return sorted_values[max(rank, 1) - 1]


def latency_summary(values: list[float]) -> dict:
    """min, mean, max, p50, p99 and count of latencies in ms: /stats and replay reports."""
    values = sorted(values)
    return {"min": values[0] if values else None, "mean": round(sum(values) / len(values), 3) if values else None,
            "max": values[-1] if values else None, "p50": percentile(values, 50), "p99": percentile(values, 99),
            "window": len(values)}
