"""Audit and serving stats: which model version scored a record, what every other
model said, why that answer was chosen, and how each model is doing.
Every route here returns the features of real requests, so each one needs
`Authorization: Bearer <AUDIT_TOKEN>` (read-only) or the admin token."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Query, Request

from common.errors import NotFound, PlatformError
from gateway.admin import AUTH_RESPONSES, require_token
from gateway.schemas import error_responses

require_auditor = require_token("audit API", "audit_token", "admin_token")
# On the router, so a read added here later is guarded without anyone remembering to.
router = APIRouter(tags=["audit"], dependencies=[Depends(require_auditor)], responses=AUTH_RESPONSES)


@router.get("/v1/audit/{request_id}",
            responses=error_responses(status_404="No audit record: an unknown request, or past its retention."))
async def audit_request(request_id: str, request: Request) -> dict:
    """The request as received, every score (late ones flagged), and the decision."""
    record = await asyncio.to_thread(request.app.state.audit.audit, request_id)
    if record is None:
        raise NotFound(f"no audit record for request {request_id!r} (unknown, or past its retention)")
    return record


@router.get("/v1/audit")
async def audit_record(request: Request, record_id: str = Query(..., max_length=256)) -> dict:
    """Every request for a record id, with the model version that answered each."""
    return {"record_id": record_id,
            "requests": await asyncio.to_thread(request.app.state.audit.by_record, record_id)}


@router.get("/v1/models/{name}/stats", responses=error_responses(status_404="No stats for that model yet."))
async def model_stats(name: str, request: Request) -> dict:
    """Per version: requests scored, latency, wins, late scores, errors, agreement with the official answer."""
    versions = await asyncio.to_thread(request.app.state.audit.model_stats, name)
    if not versions:
        raise NotFound(f"no stats for model {name!r} yet")
    return {"name": name, "versions": versions}


@router.get("/v1/data-types/{data_type}/stats")
async def data_type_stats(data_type: str, request: Request) -> dict:
    """Every answer per reason, timeouts and errors included, and their latency."""
    if len(data_type) > 63:
        raise PlatformError("data type name too long", status_code=422)
    return {"data_type": data_type, **await asyncio.to_thread(request.app.state.audit.data_type_stats, data_type)}
