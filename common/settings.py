"""Settings shared by every service. The same names select the embedded default
or production infrastructure (docker-compose.yml uses them too)."""
from __future__ import annotations

import os
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class InfraSettings(BaseSettings):
    """Where the broker, Redis and Ray are. Read from the environment, frozen after."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers (KAFKA_BOOTSTRAP).")
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis URL (REDIS_URL).")
    ray_address: str = Field("", description="Ray cluster address (RAY_ADDRESS); empty starts a local Ray.")
    ray_num_cpus: int = Field(0, ge=0, description="Logical CPUs a local Ray offers (RAY_NUM_CPUS); 0 offers 8 per "
                              "core: a replica asks for 0.25 and mostly waits on the broker, so 32 fit on a core.")
    kafka_max_message_bytes: int = Field(
        8 * 1024 * 1024, ge=1024 * 1024, le=1024 * 1024 * 1024,
        description="Largest message the producers send (KAFKA_MAX_MESSAGE_BYTES); the broker's message.max.bytes "
        "must be at least this. A model published inline travels in one message, so GATEWAY_MAX_MODEL_BYTES "
        "must leave room in it for the descriptor.")
    partitions: int = Field(4, ge=1, le=256, description="Partitions of every topic but the state topics, which have one (PARTITIONS). "
                            "Request and score topics must match: the rendezvous relies on co-partitioning.")
    kafka_replication_factor: int = Field(
        -1, ge=-1, le=16, description="Replication factor of the topics the platform creates "
        "(KAFKA_REPLICATION_FACTOR); -1 takes the brokers' default.replication.factor. `stack up --brokers 3` sets 3.")
    kafka_min_insync_replicas: int = Field(
        0, ge=0, le=16, description="min.insync.replicas of the topics the platform creates "
        "(KAFKA_MIN_INSYNC_REPLICAS): with acks=all, a write succeeds once this many replicas have it. 0 takes the "
        "brokers' default (1 unless set); `stack up --brokers 3` sets 2, so a write survives one broker's loss.")
    fetch_wait_ms: int = Field(500, ge=1, le=5000, description="Consumers' fetch.wait.max.ms (FETCH_WAIT_MS). Kafka "
                               "completes a waiting fetch as soon as data arrives, so this adds no latency; it only "
                               "sets how often an idle consumer asks the broker (docs/decisions/005).")
    kafka_group_protocol: Literal["consumer", "classic"] = Field(
        "consumer", description="Consumer-group protocol (KAFKA_GROUP_PROTOCOL): 'consumer' is KIP-848 (Kafka 4.x "
        "brokers), 'classic' works with any broker (docs/decisions/005).")
    log_level: str = Field("INFO", description="Log level of every service (LOG_LEVEL).")
    metrics_host: str = Field("127.0.0.1", description="Interface the Kafka services serve /metrics on "
                              "(METRICS_HOST); the gateway serves it on its own port.")
    metrics_port: int = Field(9400, ge=0, le=65535, description="Port of a Kafka service's /metrics (METRICS_PORT; "
                              "0 picks a free one and logs it). `make up` gives each process its own.")

    def local_ray_cpus(self) -> int:
        return self.ray_num_cpus or 8 * (os.cpu_count() or 1)
