"""Settings of the serving-stats app (env prefix STATS_)."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from common import topics


class StatsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STATS_", frozen=True, extra="ignore")

    app_id: str = Field("serving-stats", description="The faust app id: its consumer group, and the prefix of its "
                        "changelog topics (<id>-windows-10s-changelog, ...).")
    web_host: str = Field("127.0.0.1", description="Interface the stats app serves its windows (and /metrics "
                          "under METRICS_PORT) on; the gateway reads them from there.")
    web_port: int = Field(6066, ge=1, le=65535, description="Port of the stats app's window views.")
    keep_s: float = Field(3600.0, ge=60, le=7 * 24 * 3600, description="How long a window is kept (faust's window "
                          "expiry, and the changelog's retention): the series reach back this far.")
    cleanup_interval_s: float = Field(30.0, gt=0, le=3600, description="How often expired windows are dropped.")
    batch_size: int = Field(1000, ge=1, le=100_000, description="Records folded per batch: each touched window is "
                            "written to its changelog once per batch, not once per record.")
    batch_wait_s: float = Field(0.5, gt=0, le=10, description="Longest wait for a batch to fill; stats lag the "
                                "decisions by about this much.")
    data_dir: str = Field(".run/stats", description="faust's data directory (its tables are in memory and "
                          "recovered from their changelogs).")
    stall_s: float = Field(60.0, ge=10, le=3600, description="The watchdog (stats/watchdog.py): a ready worker "
                           "with records waiting that folds and commits nothing for this long exits, to be "
                           "started again.")
    watch_interval_s: float = Field(5.0, gt=0, le=600, description="How often the watchdog reads the lag.")
    decisions_topic: str = Field(topics.DECISIONS, description="Topic of the decision records folded.")
    late_scores_topic: str = Field(topics.LATE_SCORES, description="Topic of the late scores folded.")
