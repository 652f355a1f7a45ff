"""Settings shared by every service. The same names select the embedded default
or production infrastructure (docker-compose.yml uses them too)."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class InfraSettings(BaseSettings):
    """Where the broker, Redis and Ray are. Read from the environment, frozen after."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers (KAFKA_BOOTSTRAP).")
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis URL (REDIS_URL).")
    ray_address: str = Field("", description="Ray cluster address (RAY_ADDRESS); empty starts a local Ray.")
    partitions: int = Field(4, ge=1, le=256, description="Partitions of every topic but the state topics, which have one (PARTITIONS). "
                            "Request and score topics must match: the rendezvous relies on co-partitioning.")
    fetch_wait_ms: int = Field(10, ge=1, le=500, description="Hot-path consumers' fetch.wait.max.ms (FETCH_WAIT_MS). "
                               "The embedded broker does not wake a fetch on produce, so every consumer polls at "
                               "this interval: 1 ms gives the fastest single hop but a polling storm that saturates "
                               "the broker under load; 10 ms measured best overall (docs/performance.md). "
                               "0 hangs librdkafka.")
    log_level: str = Field("INFO", description="Log level of every service (LOG_LEVEL).")
