"""The Open Inference Protocol v2 over HTTP, beside /v1: health, server and model
metadata, model readiness and inference, for clients such as tritonclient. The mapping
itself is gateway/oip.py; this module only reads bodies and writes responses. Every
error is the protocol's `{"error": "..."}` body, with the platform error's status.

Bodies may use Triton's binary tensor extension (tritonclient's default): the JSON
comes first, its length in the Inference-Header-Content-Length header, and each input
with a `binary_data_size` parameter takes that many raw bytes from what follows, in
input order. Responses are always JSON, which every v2 client reads."""
from __future__ import annotations

import asyncio
import functools

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from common.errors import NotFound, PlatformError
from gateway import oip
from gateway.input_schema import input_schemas

router = APIRouter(prefix="/v2", tags=["open inference protocol v2"])
ERROR = {"description": "The protocol's error body.", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
VERSION = "0.1.0"


def _json(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _inlined(schema: dict) -> dict:
    """The schema with its $defs written in place: an OpenAPI document resolves
    "#/$defs/..." from its own root, where they are not."""
    defs = schema.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            return inline(defs[ref.removeprefix("#/$defs/")]) if ref.startswith("#/$defs/") else \
                {k: inline(v) for k, v in node.items()}
        return [inline(v) for v in node] if isinstance(node, list) else node
    return inline(schema)


def v2_errors(route):
    """Answer a PlatformError raised by `route` with the protocol's error body."""
    @functools.wraps(route)
    async def answered(*args, **kwargs) -> Response:
        try:
            return await route(*args, **kwargs)
        except PlatformError as exc:
            return _json(exc.status_code, {"error": exc.message}, {"Retry-After": "1"} if exc.retryable else None)
    return answered


@router.get("/health/live")
async def live() -> Response:
    """The process is alive."""
    return _json(200, {"live": True})


@router.get("/health/ready", responses={503: {"description": "Not ready: GET /ready says why."}})
async def ready(http: Request) -> Response:
    """The broker, Redis and at least one model per data type are ready."""
    is_ready = not http.app.state.readiness.problems()
    return _json(200 if is_ready else 503, {"ready": is_ready})


@router.get("")
async def server_metadata() -> Response:
    return _json(200, {"name": "rendezvous-serving", "version": VERSION, "extensions": []})


@router.get("/models/{data_type}", responses={404: ERROR})
@v2_errors
async def model_metadata(data_type: str, http: Request) -> Response:
    """The data type as a v2 model: its features, its outputs and its live model versions."""
    models = await asyncio.to_thread(http.app.state.registry.models)
    metadata = oip.model_metadata(data_type, models, input_schemas(models).get(data_type))
    if metadata is None:
        raise NotFound(f"no live model serves data type {data_type!r}")
    return _json(200, metadata)


@router.get("/models/{data_type}/ready", responses={404: ERROR, 503: {"description": "Known, not ready."}})
@v2_errors
async def model_ready(data_type: str, http: Request) -> Response:
    """Whether a model of the data type is ready to give official answers."""
    is_ready = _known(http, data_type)
    return _json(200 if is_ready else 503, {"name": data_type, "ready": is_ready})


@router.post("/models/{data_type}/infer", responses={400: ERROR, 404: ERROR, 413: ERROR, 422: ERROR, 502: ERROR,
                                                     503: ERROR, 504: ERROR},
             openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                 "schema": _inlined(oip.InferenceRequest.model_json_schema())}}}})
@v2_errors
async def infer(data_type: str, http: Request) -> Response:
    """Score each row of the input tensors as one request through the rendezvous."""
    service = http.app.state.service
    _known(http, data_type)
    request, tensors = _parse(await http.body(), http.headers.get("inference-header-content-length"))
    rows = oip.records(tensors, service.input_schemas.get(data_type))
    deadline_ms = _deadline(request.parameters.get("deadline_ms"))
    results = await service.predict_rows(data_type, rows, deadline_ms)
    failed = next((r for r in results if isinstance(r, BaseException)), None)
    if failed is not None:
        raise failed
    return _json(*oip.infer_response(data_type, request.id, results, request.outputs))


# Not in the spec: no request to these paths can succeed. They exist to tell a client
# that addresses a version (tritonclient's model_version=) what to do instead.
@router.get("/models/{data_type}/versions/{rest:path}", include_in_schema=False)
@router.post("/models/{data_type}/versions/{rest:path}", include_in_schema=False)
@v2_errors
async def versions(data_type: str, rest: str) -> Response:
    """Versions are not addressed: the data type's policy picks the one that answers."""
    raise oip.BadRequest(f"the policy of {data_type!r} picks the model version of each answer: "
                         f"use /v2/models/{data_type}/infer, and read each row's version in the response")


def _known(http: Request, data_type: str) -> bool:
    known = http.app.state.service.known_data_types
    if data_type not in known:
        raise NotFound(f"unknown model (data type) {data_type!r}; known: {', '.join(sorted(known)) or 'none'}")
    return known[data_type]


def _parse(raw: bytes, header_length: str | None) -> tuple[oip.InferenceRequest, list]:
    """The request and each input tensor's values, from JSON or the binary extension."""
    length = len(raw)
    if header_length is not None:
        if not header_length.isdigit() or int(header_length) > len(raw):
            raise oip.BadRequest(f"Inference-Header-Content-Length {header_length!r} does not fit the body")
        length = int(header_length)
    try:
        request = oip.InferenceRequest.model_validate_json(raw[:length])
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise oip.BadRequest(f"invalid inference request: {problems}") from None
    binary, offset, tensors = raw[length:], 0, []
    for tensor in request.inputs:
        size = tensor.parameters.get("binary_data_size")
        chunk = None
        if size is not None:
            if not isinstance(size, int) or size < 0 or offset + size > len(binary):
                raise oip.BadRequest(f"input {tensor.name!r}: binary_data_size {size!r} does not fit the body")
            chunk, offset = binary[offset:offset + size], offset + size
        tensors.append((tensor, oip.tensor_values(tensor, chunk)))
    if offset != len(binary):
        raise oip.BadRequest(f"{len(binary) - offset} bytes after the tensors belong to no input")
    return request, tensors


def _deadline(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60_000:
        raise oip.BadRequest(f"parameter deadline_ms must be an integer from 1 to 60000, not {value!r}")
    return value
