"""Window aggregates: what a tumbling window holds per key, how a contribution is
folded into it exactly once, and how it is shown.

An aggregate is a JSON-shaped dict, the value a faust table keeps and changelogs:
  {"counts": {name: n}, "latency": {bucket: n}, "through": {"<topic>/<partition>": offset}}
`through` makes folding idempotent. Records of one partition arrive in offset order,
and the aggregate is written to the changelog as one value, so "this record is folded
in" is exactly "its offset is at or below the mark of its partition". After a crash
the consumer re-reads from its last committed offset; each replayed record is skipped
by every window that already holds it and folded into every window that does not.
Nothing is lost and nothing is counted twice, whatever the crash interrupted."""
from __future__ import annotations

import math

from stats import sketch
from stats.facts import Contribution

# Tumbling window widths the stats keep, by the name the API takes (?width=10s).
WIDTHS: dict[str, float] = {"10s": 10.0, "60s": 60.0}


def empty() -> dict:
    return {"counts": {}, "latency": {}, "through": {}}


def copy(aggregate: dict | None) -> dict:
    """A working copy to fold a batch into: table values are never changed in place,
    because only an assignment reaches the changelog."""
    if not aggregate:  # a window not seen yet: the table's default, {}
        return empty()
    return {"counts": dict(aggregate["counts"]), "latency": dict(aggregate["latency"]),
            "through": dict(aggregate["through"])}


def fold_into(aggregate: dict, contribution: Contribution, source: str, offset: int) -> bool:
    """Add the contribution of the record at source@offset to the (working) aggregate,
    unless that record is in it already. Returns whether it changed."""
    through = aggregate["through"]
    if offset <= through.get(source, -1):
        return False
    counts = aggregate["counts"]
    for name, amount in contribution.counts.items():
        counts[name] = counts.get(name, 0) + amount
    latency = aggregate["latency"]
    for value in contribution.latencies_ms:
        bucket = str(sketch.bucket_of(value))
        latency[bucket] = latency.get(bucket, 0) + 1
    through[source] = offset
    return True


def window_start(at_s: float, width: float) -> float:
    """The start of the tumbling window that holds this instant (faust's alignment:
    multiples of the width since the epoch)."""
    return math.floor(at_s / width) * width


def data_type_view(start: float, width: float, aggregate: dict) -> dict:
    counts = aggregate["counts"]
    reasons = {name.split(":", 1)[1]: n for name, n in sorted(counts.items()) if name.startswith("reason:")}
    return {"start": start, "end": start + width, "answers": counts.get("answers", 0), "reasons": reasons,
            "latency_ms": sketch.summary(aggregate["latency"])}


def model_view(start: float, width: float, aggregate: dict) -> dict:
    counts = aggregate["counts"]
    compared = counts.get("compared", 0)
    view = {name: counts.get(name, 0) for name in ("scored", "wins", "late", "errors", "compared", "agreed")}
    return {"start": start, "end": start + width, **view,
            "agreement": round(counts.get("agreed", 0) / compared, 4) if compared else None,
            "latency_ms": sketch.summary(aggregate["latency"])}
