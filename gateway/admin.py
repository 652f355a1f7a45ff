"""The admin API: publish models, list them, change their roles. Every write ends on
the models topic (models are data); reads go through the registry's client.
Writes need `Authorization: Bearer <ADMIN_TOKEN>`: 401 without it, 403 when wrong.
require_token() is the one bearer-token check; the audit reads use it too."""
from __future__ import annotations

import asyncio
import hmac
from dataclasses import replace
from typing import Callable

import orjson
from fastapi import APIRouter, Depends, File, Form, Header, Request, UploadFile
from pydantic import BaseModel, ValidationError

from common import codec
from common.descriptor_input import DescriptorInput, PublishError
from common.domain import Role
from common.errors import Forbidden, NotFound, PlatformError, Unauthorized
from common.publishing import publish_model
from gateway.schemas import BODY_ERRORS, ErrorBody, error_responses
from registry.client import summary

router = APIRouter(tags=["models"])


# The 401/403 answers of a route behind require_token(), for its OpenAPI spec: the
# body is the one the PlatformError handler writes, {"error": "..."}.
AUTH_RESPONSES = {401: {"model": ErrorBody, "description": "No `Authorization: Bearer <token>` header."},
                  403: {"model": ErrorBody, "description": "A token that is not one of those accepted."}}


def require_token(api: str, *token_settings: str) -> Callable[..., None]:
    """A dependency that lets a request through when its bearer token equals one of the
    named gateway settings (e.g. "audit_token", "admin_token"): 401 without a token, 403
    with another one. The error never echoes what was sent."""
    wanted = " or ".join(f"<{name.upper()}>" for name in token_settings)

    def check(request: Request, authorization: str | None = Header(None)) -> None:
        sent = (authorization or "").removeprefix("Bearer ").encode()
        if not authorization or not authorization.startswith("Bearer ") or not sent:
            raise Unauthorized(f"{api}: send Authorization: Bearer {wanted}")
        settings = request.app.state.settings
        # Constant-time comparisons, and all of them (a list, not any() over a generator):
        # the time taken tells nothing about how much of a token, or which one, matched.
        matches = [hmac.compare_digest(sent, getattr(settings, name).encode()) for name in token_settings]
        if not any(matches):
            raise Forbidden(f"{api}: wrong token")

    return check


require_admin = require_token("admin API", "admin_token")


class RoleChange(BaseModel):
    role: Role


class Conflict(PlatformError):
    status_code = 409


async def _read_capped(upload: UploadFile, limit: int) -> bytes:
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise PlatformError(f"model file larger than {limit} bytes; publish it by location instead",
                            status_code=413)
    return data


@router.post("/v1/models", status_code=202, dependencies=[Depends(require_admin)],
             responses={**AUTH_RESPONSES, **BODY_ERRORS, **error_responses(
                 status_409="This name:version is already published with other bytes.")})
async def publish(request: Request, descriptor: str = Form(..., description="The descriptor, as JSON."),
                  file: UploadFile | None = File(None, description="The model: .onnx, .pmml, or a "
                                                                   "SavedModel as .tar.gz/.zip")) -> dict:
    """Publish a model version to the models topic. It loads with no restart;
    follow its status at GET /v1/models/{name}."""
    state = request.app.state
    try:
        wanted = DescriptorInput.model_validate(orjson.loads(descriptor))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise PublishError(f"invalid descriptor: {exc}") from None
    data = await _read_capped(file, state.settings.max_model_bytes) if file is not None else None
    model = wanted.to_descriptor(data)
    existing = await asyncio.to_thread(state.registry.descriptor_bytes, model.name, model.version)
    if existing and codec.decode_descriptor(existing).sha256 != model.sha256:
        raise Conflict(f"{model.key} is already published with other bytes; versions are immutable")
    await asyncio.to_thread(publish_model, state.producer, state.infra, model)
    return {"published": summary(model), "status_url": f"/v1/models/{model.name}"}


@router.get("/v1/models")
async def list_models(request: Request) -> dict:
    """Every model version with its role and status (loading, ready, failed with a reason, retired)."""
    return {"models": await asyncio.to_thread(request.app.state.registry.models)}


@router.get("/v1/models/{name}", responses=error_responses(status_404="No model of that name."))
async def show_model(name: str, request: Request) -> dict:
    """A model's versions, its history of publications, role changes and statuses, and its replays by version."""
    registry = request.app.state.registry
    versions = await asyncio.to_thread(registry.model_versions, name)
    if not versions:
        raise NotFound(f"no model named {name!r}")
    return {"name": name, "versions": versions, "history": await asyncio.to_thread(registry.history, name),
            "replays": await asyncio.to_thread(request.app.state.replays.for_model, name)}


@router.post("/v1/models/{name}/versions/{version}/role", status_code=202, dependencies=[Depends(require_admin)],
             responses={**AUTH_RESPONSES, **BODY_ERRORS, **error_responses(status_404="No such model version.")})
async def change_role(name: str, version: str, change: RoleChange, request: Request) -> dict:
    """Promote a warm model to serve, make one the backstop, or retire it: a policy
    change published as data, in force within seconds, with no redeploy."""
    state = request.app.state
    raw = await asyncio.to_thread(state.registry.descriptor_bytes, name, version)
    if raw is None:
        raise NotFound(f"no model {name}:{version}")
    model = replace(codec.decode_descriptor(raw), role=change.role)
    await asyncio.to_thread(publish_model, state.producer, state.infra, model)
    return {"model": f"{name}:{version}", "role": change.role.value}
