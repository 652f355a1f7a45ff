"""Setting a data type's policy: validated here, then published to the policies
topic, where every rendezvous instance reads it. The topic is compacted, so the
policy survives restarts."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from common.clock import now_us
from common.descriptors import DataTypePolicy
from common.errors import NotFound, PlatformError
from common.policies import REGISTRY, build_policy
from common.publishing import publish_policy
from common.topics import valid_data_type
from gateway.admin import AUTH_RESPONSES, require_admin

router = APIRouter(tags=["policies"])


class PolicyBody(BaseModel):
    policy: str = Field(description=f"One of: {', '.join(sorted(REGISTRY))}.")
    params: dict[str, str | int | float] = Field(
        default_factory=dict, description="For example preferred, backstop, deadline_ms, quorum, by.")

    model_config = {"json_schema_extra": {"examples": [
        {"policy": "deadline", "params": {"preferred": "iris-forest", "backstop": "iris-logreg", "deadline_ms": 50}}]}}


@router.put("/v1/data-types/{data_type}/policy", status_code=202, dependencies=[Depends(require_admin)],
            responses=AUTH_RESPONSES)
async def set_policy(data_type: str, body: PolicyBody, request: Request) -> dict:
    """Set the policy every rendezvous instance applies to this data type."""
    if not valid_data_type(data_type):
        raise PlatformError(f"invalid data type name {data_type!r}", status_code=422)
    params = {k: str(v) for k, v in body.params.items()}
    build_policy(body.policy, params)  # raises a 422 that says what is wrong
    policy = DataTypePolicy(data_type, body.policy, params, now_us())
    await asyncio.to_thread(publish_policy, request.app.state.producer, policy)
    return {"data_type": data_type, "policy": body.policy, "params": params}


@router.get("/v1/data-types/{data_type}/policy")
async def get_policy(data_type: str, request: Request) -> dict:
    """The policy in force for this data type (the default is `first`)."""
    policy = await asyncio.to_thread(request.app.state.registry.policy, data_type)
    if policy is None:
        raise NotFound(f"no policy set for {data_type!r}; the default `first` applies")
    return policy
