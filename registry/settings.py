"""Settings of the registry service (env prefix REGISTRY_)."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RegistrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", frozen=True, extra="ignore")

    audit_retention_s: int = Field(7 * 24 * 3600, ge=60, description="How long audit records and the "
                                   "record-id index are kept in Redis.")
    audit_group_id: str = Field("registry-audit", description="Consumer group of the audit writers.")
    lag_interval_s: float = Field(5.0, ge=0.5, le=300, description="How often the consumer lag of every group "
                                  "is measured for /metrics (rvs_consumer_lag).")
