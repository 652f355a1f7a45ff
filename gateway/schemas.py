"""The gateway's HTTP bodies. These shape the OpenAPI spec at /docs."""
from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

MAX_FEATURES = 4096
# The bounds live in the types, so the spec shows them: a body the spec allows is one
# the gateway takes. Strict: a number only, not "1.5" or true as pydantic's lax mode
# would take. (JSON has no NaN or infinity; allow_inf_nan refuses them anyway.)
FeatureValue = Annotated[float, Field(allow_inf_nan=False, strict=True)]
FeatureName = Annotated[str, StringConstraints(min_length=1, max_length=128)]
FeatureList = Annotated[list[FeatureValue], Field(min_length=1, max_length=MAX_FEATURES)]
FeatureMap = Annotated[dict[FeatureName, FeatureValue], Field(min_length=1, max_length=MAX_FEATURES)]


class PredictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"features": [5.1, 3.5, 1.4, 0.2], "record_id": "customer-42"}]})

    features: FeatureList | FeatureMap = Field(
        description="The record: values in the model's input order, or values by feature name.")
    record_id: str | None = Field(None, max_length=256, description="Your own key for this record, for audit.")
    deadline_ms: int | None = Field(None, ge=1, le=60_000,
                                    description="Answer within this many ms; may only shorten the policy's.")

    @field_validator("deadline_ms", mode="before")
    @classmethod
    def _a_json_integer(cls, value):
        # Not strict=True: that refuses 50.0, which JSON Schema counts as an integer.
        if isinstance(value, (str, bool)):
            raise ValueError("deadline_ms must be a number of milliseconds")
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


# The error statuses routes share, for their `responses=`: each body is ErrorBody.
def error_responses(**described: str) -> dict:
    """{status: {"model": ErrorBody, "description": ...}} from status_NNN="description"."""
    return {int(key.removeprefix("status_")): {"model": ErrorBody, "description": text}
            for key, text in described.items()}


INVALID = error_responses(status_422="A malformed request: `detail` lists each problem as {loc, msg}.")
BODY_ERRORS = error_responses(status_400="A body that could not be parsed at all.",
                              status_413="A body larger than the gateway takes.")
