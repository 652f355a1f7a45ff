"""Settings of the runner supervisor (env prefix RUNNER_). Where Ray is, and how many
logical CPUs a local Ray offers, are infrastructure: common.settings.InfraSettings."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RunnerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RUNNER_", frozen=True, extra="ignore")

    retire_drain_s: float = Field(3.0, ge=0, le=600, description="After a new version is ready, how long the "
                                  "older one keeps scoring before it is retired: the new version reads from where "
                                  "its group started, so the old one drains what was sent before that.")
    health_interval_s: float = Field(2.0, gt=0, le=600, description="How often the supervisor asks each ready "
                                     "replica whether it still consumes (a health check between loads).")
    health_timeout_s: float = Field(10.0, gt=0, le=600, description="A replica that has not answered its health "
                                    "check after this long is stuck: it is killed, and Ray restarts it.")
