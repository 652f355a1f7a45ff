"""Settings of the HTTP gateway (env prefix GATEWAY_, and ADMIN_TOKEN, AUDIT_TOKEN)."""
from __future__ import annotations

import secrets
import uuid

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", frozen=True, extra="ignore")

    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8000, ge=1, le=65535, description="Port to listen on.")
    instance_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12],
                             description="Names this instance's reply topic (its return address).")
    # Tokens: repr=False keeps them out of any log line that prints the settings, and
    # min_length=1 refuses an empty token, which would let `Authorization: Bearer ` in.
    admin_token: str = Field(default_factory=lambda: secrets.token_urlsafe(24), min_length=1, repr=False,
                             validation_alias=AliasChoices("ADMIN_TOKEN", "GATEWAY_ADMIN_TOKEN"),
                             description="Bearer token of the admin API; generated when unset.")
    audit_token: str = Field(default_factory=lambda: secrets.token_urlsafe(24), min_length=1, repr=False,
                             validation_alias=AliasChoices("AUDIT_TOKEN", "GATEWAY_AUDIT_TOKEN"),
                             description="Read-only bearer token of the audit and stats reads (the admin "
                                         "token works there too); generated when unset.")
    default_deadline_ms: int = Field(1000, ge=1, le=60_000,
                                     description="How long to wait when neither the request nor the "
                                                 "policy gives a shorter deadline.")
    grace_ms: int = Field(250, ge=0, le=10_000,
                          description="Extra wait past the deadline for the rendezvous's timeout answer.")
    max_in_flight: int = Field(4096, ge=1, description="Pending requests past which new ones get 503, "
                                                       "whatever the answer rate (the admission ceiling).")
    admission_wait_fraction: float = Field(0.2, gt=0, le=1,
                                           description="Admit as many requests as the recent answer rate answers "
                                                       "within this fraction of GATEWAY_DEFAULT_DEADLINE_MS; "
                                                       "the rest get 503 + Retry-After.")
    admission_window_s: float = Field(1.0, gt=0, le=60, description="How far back answers count towards the "
                                                                    "answer rate that sets the admission limit.")
    admission_min_limit: int = Field(32, ge=1, description="Requests admitted at once whatever the answer rate: "
                                                           "what a cold or idle gateway takes in a burst.")
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest predict body accepted (413 past it).")
    max_model_bytes: int = Field(4 * 1024 * 1024, ge=1024,
                                 description="Largest model file published inline; larger ones go by location. "
                                             "With its descriptor it must fit in KAFKA_MAX_MESSAGE_BYTES.")
    registry_refresh_s: float = Field(1.0, gt=0, description="How often the data types are re-read from Redis.")
    stats_url: str = Field("http://127.0.0.1:6066", description="Where the stats app (`python -m stats`) serves "
                           "its windows; the /stats/windows reads are relayed there.")


# What a descriptor adds to an inline model in its message: names, schemas (up to 4,096
# fields), description. Kept free under KAFKA_MAX_MESSAGE_BYTES.
DESCRIPTOR_ROOM_BYTES = 1024 * 1024


def check_model_fits_a_message(settings: GatewaySettings, kafka_max_message_bytes: int) -> None:
    """Refuse to start with an inline-model limit the producers could never send: every
    publication near the limit would be accepted, then fail on the broker."""
    room = kafka_max_message_bytes - DESCRIPTOR_ROOM_BYTES
    if settings.max_model_bytes > room:
        raise ValueError(f"GATEWAY_MAX_MODEL_BYTES={settings.max_model_bytes} leaves no room for the descriptor in "
                         f"KAFKA_MAX_MESSAGE_BYTES={kafka_max_message_bytes}: at most {room}")
