"""Serving stats as a series of tumbling windows (10 s or 60 s wide), kept by the stats
app (`python -m stats`) and read from it here: per data type (answers, their reasons
and latency) and per model version (scored, wins, late, errors, agreement with the
official answer, latency). Token-protected like the other stats reads."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from common.descriptor_input import NAME
from common.topics import valid_data_type
from gateway.admin import AUTH_RESPONSES
from gateway.audit_api import require_auditor
from gateway.schemas import error_responses

router = APIRouter(tags=["stats"], dependencies=[Depends(require_auditor)], responses=AUTH_RESPONSES)
Width = Literal["10s", "60s"]
UNAVAILABLE = error_responses(status_503="The stats app is down or still recovering its windows; retry.",
                              status_502="The stats app failed while answering.")


class Percentiles(BaseModel):
    p50: float | None = Field(description="ms; the upper bound of a histogram bucket, at most 5% above the value.")
    p90: float | None
    p99: float | None


class DataTypeWindow(BaseModel):
    start: float = Field(description="Window start, seconds since the epoch.")
    end: float = Field(description="Window end (exclusive), seconds since the epoch.")
    answers: int = Field(description="Official answers decided in the window.")
    reasons: dict[str, int] = Field(description="Answers per reason: preferred, backstop, timeout, error, ...")
    latency_ms: Percentiles = Field(description="From the request's arrival to its answer.")


class ModelWindow(BaseModel):
    start: float
    end: float
    scored: int = Field(description="Requests this version scored (errors included).")
    wins: int = Field(description="Times its output was the official answer.")
    late: int = Field(description="Scores that came after the answer was decided.")
    errors: int
    compared: int = Field(description="Scores compared with an official answer that had an output.")
    agreed: int = Field(description="Of those, how many had the official answer's label.")
    agreement: float | None = Field(description="agreed / compared; null when nothing was compared.")
    latency_ms: Percentiles = Field(description="This version's own scoring latency.")


class DataTypeSeries(BaseModel):
    data_type: str
    width: Width
    windows: list[DataTypeWindow] = Field(description="Oldest first; windows with no answers are left out.")


class ModelSeries(BaseModel):
    name: str
    width: Width
    versions: dict[str, list[ModelWindow]] = Field(description="Per version, oldest window first.")


@router.get("/v1/data-types/{data_type}/stats/windows", response_model=DataTypeSeries, responses=UNAVAILABLE)
async def data_type_windows(data_type: str, request: Request, width: Width = "10s",
                            limit: int = Query(60, ge=1, le=1000)) -> dict:
    """The data type's answers per tumbling window: a series over time."""
    if not valid_data_type(data_type):  # no such data type can exist, so it has no windows
        return {"data_type": data_type, "width": width, "windows": []}
    return await request.app.state.stats_windows.data_type(data_type, width, limit)


@router.get("/v1/models/{name}/stats/windows", response_model=ModelSeries, responses=UNAVAILABLE)
async def model_windows(name: str, request: Request, width: Width = "10s",
                        limit: int = Query(60, ge=1, le=1000)) -> dict:
    """Each version's scores per tumbling window: a series over time (empty when none are kept)."""
    if not NAME.fullmatch(name):  # no model can have this name, so it has no windows
        return {"name": name, "width": width, "versions": {}}
    return await request.app.state.stats_windows.model(name, width, limit)
