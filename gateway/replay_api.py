"""Replays over HTTP: ask for one (admin token), then follow its progress and read its
report (audit or admin token). Asking publishes a job to the `replays` topic; the
replay worker runs it off the live path and the registry keeps what it reports."""
from __future__ import annotations

import asyncio
from collections import OrderedDict

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from common import codec, topics
from common.clock import now_us
from common.domain import Role
from common.errors import NotFound
from gateway.admin import AUTH_RESPONSES, require_admin
from gateway.audit_api import require_auditor
from gateway.schemas import BODY_ERRORS, error_responses
from replay.spec import (DEFAULT_BATCH, DEFAULT_RATE, ReplayError, ReplayJob, ReplaySpec, new_job, parse_offsets,
                         parse_time)
from registry.client import ReplayClient

router = APIRouter(tags=["replays"], responses=AUTH_RESPONSES)


class ReplayDesk:
    """The registry's view of replays, plus the jobs this gateway just published: a
    GET right after the POST finds the job before the registry has read it back."""

    def __init__(self, views: ReplayClient, keep: int = 256):
        self._views, self._asked, self._keep = views, OrderedDict(), keep

    def asked(self, job: ReplayJob) -> None:
        self._asked[job.replay_id] = job.to_dict()
        while len(self._asked) > self._keep:
            self._asked.popitem(last=False)

    def get(self, replay_id: str) -> dict | None:
        return self._views.get(replay_id) or self._asked.get(replay_id)

    def for_model(self, name: str) -> dict[str, list[dict]]:
        return self._views.for_model(name)


class ReplayBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data_type: str = Field(max_length=63)
    model: str = Field(max_length=128)
    version: str = Field(max_length=128)
    since: str | None = Field(None, max_length=64, description="A duration ago (90s, 30m, 1h, 2d) or an ISO-8601 time.")
    until: str | None = Field(None, max_length=64, description="Same forms as since; default: now.")
    offsets: dict[str, list[int]] | None = Field(None, description='Instead of times: {"partition": [start, end]} '
                                                 "of the decisions topic, end excluded.")
    rate: int = Field(DEFAULT_RATE, ge=1, le=100_000, description="Rows a second at most.")
    batch: int = Field(DEFAULT_BATCH, ge=1, le=10_000, description="Rows per call to the candidate.")

    def to_spec(self, now: int) -> ReplaySpec:
        if self.offsets:
            return ReplaySpec(self.data_type, self.model, self.version, offsets=parse_offsets(self.offsets),
                              rate=self.rate, batch=self.batch)
        if not self.since:
            raise ReplayError("give a range: since (and until), or offsets")
        until = parse_time(self.until, now) if self.until else now
        return ReplaySpec(self.data_type, self.model, self.version, parse_time(self.since, now), until,
                          rate=self.rate, batch=self.batch)


@router.post("/v1/replays", status_code=202, dependencies=[Depends(require_admin)],
             responses={**BODY_ERRORS, **error_responses(status_404="No such model version.")})
async def start_replay(body: ReplayBody, request: Request) -> dict:
    """Score the recorded requests of a range with a model version (a `candidate`, or any
    published one) and report how it would have done. Follow it at GET /v1/replays/{id}."""
    state = request.app.state
    raw = await asyncio.to_thread(state.registry.descriptor_bytes, body.model, body.version)
    if raw is None:
        raise NotFound(f"no model {body.model}:{body.version}")
    descriptor = codec.decode_descriptor(raw)
    if descriptor.role is Role.RETIRED:
        raise ReplayError(f"{descriptor.key} is retired; publish it again (role candidate) to replay it")
    if descriptor.data_type != body.data_type:
        raise ReplayError(f"{descriptor.key} serves data type {descriptor.data_type!r}, not {body.data_type!r}")
    job = new_job(body.to_spec(now_us()), now_us())
    state.producer.produce(topics.REPLAYS, job.encode(), key=job.replay_id)
    state.replays.asked(job)
    return {"replay_id": job.replay_id, "status_url": f"/v1/replays/{job.replay_id}"}


@router.get("/v1/replays/{replay_id}", dependencies=[Depends(require_auditor)],
            responses=error_responses(status_404="No such replay."))
async def show_replay(replay_id: str, request: Request) -> dict:
    """Status (requested, running, done, failed), progress, the reason of a failure, and the report."""
    job = await asyncio.to_thread(request.app.state.replays.get, replay_id)
    if job is None:
        raise NotFound(f"no replay {replay_id!r}")
    return job
