"""Setting a data type's policy: validated here, then published to the policies
topic, where every rendezvous instance reads it. The topic is compacted, so the
policy survives restarts.

The body is one of the registered policies, each with its own typed parameters
(the policy's Params model), so the OpenAPI spec shows every policy's parameters
and a bad one gets the same 422 as any other bad body."""
from __future__ import annotations

import asyncio
from typing import Annotated, Literal, Union

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, Field, ValidationError, create_model, model_validator

from common import plugins
from common.clock import now_us
from common.descriptors import DataTypePolicy
from common.errors import NotFound, PlatformError
from common.policies import REGISTRY, build_policy
from common.publishing import publish_policy
from common.topics import valid_data_type
from gateway.admin import AUTH_RESPONSES, require_admin
from gateway.schemas import BODY_ERRORS, error_responses

router = APIRouter(tags=["policies"])


def _json_params(params: type[BaseModel]) -> type[BaseModel]:
    """The policy's parameters as the spec shows them: JSON values of the declared types.
    Pydantic's lax mode would take "50" or true for 50, and "" for an unset number (the
    policies topic carries strings only, so the policies' own models must); over HTTP
    a string or a boolean goes only where the spec allows one. (Strict mode is no
    answer: it refuses 50.0 for an integer, which JSON Schema allows.)"""
    fields = params.model_json_schema()["properties"]
    declared = {name: {field.get("type"), *(s.get("type") for s in field.get("anyOf", []))}
                for name, field in fields.items()}

    def json_types_as_declared(cls, values):
        if isinstance(values, dict):  # before the policy's own validators, which read strings from the wire
            wrong = sorted(name for name, value in values.items() if name in declared and (
                isinstance(value, bool) and "boolean" not in declared[name]
                or isinstance(value, str) and "string" not in declared[name]))
            if wrong:
                raise ValueError(f"not of the type the spec declares: {', '.join(wrong)}")
        return values
    return type(params.__name__, (params,), {
        "__module__": params.__module__,
        "_json_types_as_declared": model_validator(mode="before")(classmethod(json_types_as_declared))})


def _body_for(name: str) -> type[BaseModel]:
    """{"policy": name, "params": {...}}, with the policy's own parameter model."""
    params = _json_params(plugins.load(REGISTRY[name]).Params)
    try:
        params_field = (params, Field(default_factory=params))
        params()
    except ValidationError:  # a required parameter (deadline's preferred): params can't be left out
        params_field = (params, ...)
    return create_model(f"{name.capitalize()}PolicyBody", policy=(Literal[name], ...), params=params_field)


POLICY_BODIES = tuple(_body_for(name) for name in REGISTRY)
PolicyBody = Annotated[Union[POLICY_BODIES], Field(discriminator="policy")]
EXAMPLE = {"policy": "deadline", "params": {"preferred": "iris-forest", "backstop": "iris-logreg", "deadline_ms": 50}}


@router.put("/v1/data-types/{data_type}/policy", status_code=202, dependencies=[Depends(require_admin)],
            responses={**AUTH_RESPONSES, **BODY_ERRORS})
async def set_policy(data_type: str, request: Request,
                     body: Annotated[PolicyBody, Body(openapi_examples={"deadline": {"value": EXAMPLE}})]) -> dict:
    """Set the policy every rendezvous instance applies to this data type."""
    if not valid_data_type(data_type):
        raise PlatformError(f"invalid data type name {data_type!r}", status_code=422)
    # The policies topic carries strings; what was set explicitly travels, defaults stay defaults.
    params = {k: str(v) for k, v in body.params.model_dump(exclude_unset=True).items() if v is not None}
    build_policy(body.policy, params)  # what the rendezvous will build from those strings
    policy = DataTypePolicy(data_type, body.policy, params, now_us())
    await asyncio.to_thread(publish_policy, request.app.state.producer, policy)
    return {"data_type": data_type, "policy": body.policy, "params": params}


@router.get("/v1/data-types/{data_type}/policy",
            responses=error_responses(status_404="No policy set: the default `first` applies."))
async def get_policy(data_type: str, request: Request) -> dict:
    """The policy in force for this data type (the default is `first`)."""
    policy = await asyncio.to_thread(request.app.state.registry.policy, data_type)
    if policy is None:
        raise NotFound(f"no policy set for {data_type!r}; the default `first` applies")
    return policy
