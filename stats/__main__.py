"""Run the serving-stats app: `python -m stats`. A faust worker (it owns the event loop
and stops on SIGTERM or SIGINT), with the process's /metrics on METRICS_HOST:METRICS_PORT."""
from __future__ import annotations

import faust

from common import logs, metrics
from common.kafka import ensure_topics
from common.settings import InfraSettings
from stats import views
from stats.app import StatsApp
from stats.metrics import stats_registry
from stats.settings import StatsSettings


def main() -> None:
    infra, settings = InfraSettings(), StatsSettings()
    logs.configure(infra.log_level, "stats")
    stats = StatsApp(infra, settings)
    views.install(stats)
    changelogs = stats.changelog_topics()
    ensure_topics(infra, [settings.decisions_topic, settings.late_scores_topic, *changelogs], configs=changelogs)
    metrics.serve(stats_registry(stats), infra.metrics_host, infra.metrics_port)
    # faust's worker would configure logging again; the handlers set above stay.
    faust.Worker(stats.app, loglevel=infra.log_level, quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
