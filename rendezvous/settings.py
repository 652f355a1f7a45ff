"""Settings of the rendezvous service (env prefix RENDEZVOUS_)."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RendezvousSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RENDEZVOUS_", frozen=True, extra="ignore")

    group_id: str = Field("rendezvous", description="Consumer group shared by every rendezvous instance.")
    batch_size: int = Field(512, ge=1, le=10_000, description="Most messages handled per poll.")
    claim_ttl_s: int = Field(3600, ge=60, description="How long an answer's claim is kept in Redis.")
    early_score_ttl_s: int = Field(30, ge=1, description="How long a score waits for its request.")
    early_score_limit: int = Field(10_000, ge=1, description="Most request ids with early scores held.")
    answered_ttl_s: int = Field(300, ge=1, description="How long an answered request id is remembered, so that "
                                "a redelivered request is absorbed instead of answered again.")
    answered_limit: int = Field(200_000, ge=1, description="Most answered request ids remembered (the oldest are "
                                "forgotten first).")
    unpaired_grace_s: float = Field(15.0, gt=0, description="How long a request partition may be held without the "
                                    "scores partition of its number (a rebalance in progress) before it is logged "
                                    "as an error and the instance rejoins its group.")
