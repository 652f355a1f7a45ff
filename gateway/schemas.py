"""The gateway's HTTP bodies. These shape the OpenAPI spec at /docs."""
from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_FEATURES = 4096


class PredictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"features": [5.1, 3.5, 1.4, 0.2], "record_id": "customer-42"}]})

    features: list[float] | dict[str, float] = Field(
        description="The record: values in the model's input order, or values by feature name.")
    record_id: str | None = Field(None, max_length=256, description="Your own key for this record, for audit.")
    deadline_ms: int | None = Field(None, ge=1, le=60_000,
                                    description="Answer within this many ms; may only shorten the policy's.")

    @field_validator("features")
    @classmethod
    def _bounded_and_finite(cls, value):
        values = value.values() if isinstance(value, dict) else value
        if not 1 <= len(value) <= MAX_FEATURES:
            raise ValueError(f"features must have between 1 and {MAX_FEATURES} values")
        if not all(math.isfinite(v) for v in values):
            raise ValueError("features must be finite numbers")
        if isinstance(value, dict) and not all(0 < len(k) <= 128 for k in value):
            raise ValueError("feature names must be 1 to 128 characters")
        return value


class ModelTag(BaseModel):
    name: str
    version: str


class OutputBody(BaseModel):
    label: str = ""
    values: list[float] = []


class AnsweredModel(BaseModel):
    model: ModelTag
    latency_ms: float


class ErroredModel(BaseModel):
    model: ModelTag
    error: str = Field(description="Why the model could not score the record.")
    latency_ms: float


class PredictAnswer(BaseModel):
    request_id: str
    data_type: str
    record_id: str | None = None
    output: OutputBody | None
    model: ModelTag | None = Field(description="The model version that produced output; null on timeout "
                                               "or error.")
    policy: str
    reason: str = Field(description="preferred, backstop, consensus, quality, first, timeout or error.")
    latency_ms: float = Field(description="From arrival at the gateway to the answer.")
    waited_ms: float = Field(0, description="How long the rendezvous waited before deciding.")
    answered: list[AnsweredModel] = Field([], description="Models that produced an output in time.")
    errored: list[ErroredModel] = Field([], description="Models that answered with an error, and the error.")
    late: list[ModelTag] = []


class ErrorBody(BaseModel):
    error: str
    detail: object | None = None
    request_id: str | None = None
