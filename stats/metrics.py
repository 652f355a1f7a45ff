"""The stats app's /metrics: records folded, skipped as older than the windows kept,
and skipped as undecodable; plus the process's CPU and memory (the CPU per decision
in docs/decisions/016 is read from process_cpu_seconds_total and these counts)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry

from common.metrics import Readings, process_registry
from stats.app import StatsApp


def stats_registry(stats: StatsApp) -> CollectorRegistry:
    return process_registry(Readings(
        "rvs_stats_records", "Records the stats app read since it started, by outcome.", ["outcome"],
        lambda: {("folded",): stats.folded, ("too_old",): stats.skipped, ("poison",): stats.poison}))
