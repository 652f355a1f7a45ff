"""result.json: what a run did and how the platform answered.

Everything but the live counters is computed from the ledger, so the report and
the ledger check always agree with the evidence on disk.  Requests scheduled
during the warmup are counted in the totals but left out of the throughput and
latency figures (the per-second series keeps them, flagged, for the plot).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import orjson

from loadtest.config import RunConfig
from loadtest.ledger_check import is_official
from loadtest.live import LiveStats
from loadtest.schedule import pace, planned_send_count
from loadtest.stats import latency_summary, per_second_summaries


def got_response(entry: dict) -> bool:
    """An answer came back (any status), as opposed to a transport failure."""
    return entry.get("status") not in (None, "error")


def build_result(config: RunConfig, entries: list[dict], stats: LiveStats,
                 started_wall: float, elapsed_s: float, check: dict) -> dict:
    measured = [e for e in entries if not e.get("warmup")]
    responded = [e for e in measured if got_response(e)]
    window_s = max(elapsed_s - config.warmup_s, 1e-9)  # includes the drain of the last answers
    return {
        "config": config.to_json(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started_wall)),
        "elapsed_s": round(elapsed_s, 3),
        "measured_window_s": round(window_s, 3),
        "totals": {
            "sent": stats.sent,
            "completed": stats.completed,
            "shed_by_client": stats.shed_by_client,
            "errors": stats.errors,
            "warmup_requests": len(entries) - len(measured),
            "measured_requests": len(measured),
        },
        "throughput": {
            "completed_per_s": len(responded) / window_s,
            "ok_per_s": sum(1 for e in responded if is_official(e["status"])) / window_s,
            "target_rate": config.rate if config.mode == "open" else None,
        },
        "latency_ms": latency_summary(e["latency_ms"] for e in responded),
        "service_ms": latency_summary(e["service_ms"] for e in responded if e.get("service_ms") is not None),
        "errors_by_status": _count(str(e["status"]) for e in measured if not is_official(e.get("status"))),
        "reasons": _count(str(e["reason"]) for e in responded if e.get("reason")),
        "per_second": per_second_series(entries, started_wall, config.warmup_s),
        "open_loop": open_loop_pace(config, measured, started_wall) if config.mode == "open" else None,
        "ledger_check": check,
    }


def open_loop_pace(config: RunConfig, measured: list[dict], started_wall: float) -> dict:
    """Achieved against offered rate, and how late requests were handed to the transport."""
    rate = config.rate
    total = planned_send_count(rate, config.duration_s, config.max_requests)
    due = total - min(planned_send_count(rate, config.warmup_s), total)
    window = (config.warmup_s, max(config.warmup_s, min(config.duration_s, total / rate)))
    sends = [(e["scheduled_at"] - started_wall, e["sent_at"] - started_wall) for e in measured if "sent_at" in e]
    return pace(rate, due, window, sends)


def _count(keys) -> dict:
    """Occurrences per key, most frequent first."""
    return dict(Counter(keys).most_common())


def per_second_series(entries: list[dict], started_wall: float, warmup_s: float) -> list[dict]:
    """p50/p99 per second of *scheduled* send time, warmup seconds flagged."""
    points = [(e["scheduled_at"] - started_wall, e["latency_ms"]) for e in entries if got_response(e)]
    series = per_second_summaries(points)
    for bucket in series:
        bucket["warmup"] = bucket["second"] < warmup_s
    return series


def write_result(result: dict, out_dir: Path) -> Path:
    path = out_dir / "result.json"
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))
    return path


def format_summary(result: dict) -> str:
    """The few numbers a person wants at the end of a run."""
    totals, latency, throughput = result["totals"], result["latency_ms"], result["throughput"]

    def ms(key: str) -> str:
        return "-" if latency[key] is None else f"{latency[key]:.2f}ms"

    text = (
        f"sent {totals['sent']}  completed {totals['completed']}  errors {totals['errors']}  "
        f"shed by client {totals['shed_by_client']}  throughput {throughput['completed_per_s']:.1f}/s\n"
        f"latency p50 {ms('p50')}  p90 {ms('p90')}  p99 {ms('p99')}  p99.9 {ms('p99.9')}  max {ms('max')}"
    )
    if result.get("open_loop"):
        text += f"\nopen-loop rate {result['open_loop']['verdict']}"
    return text
