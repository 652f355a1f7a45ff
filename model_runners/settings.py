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
