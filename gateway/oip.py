"""The Open Inference Protocol v2 (the KServe/Triton "v2" REST protocol,
https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md)
mapped onto the platform, with no HTTP in it: v2 input tensors become records, one per
row, and the rows' official answers become v2 output tensors.

The v2 "model" is a data type: the rendezvous, not the caller, picks the model version
that answers each row, so every row keeps its own decision. The request takes either
one numeric tensor of shape [N, features] (any name that is not a feature's) or one
tensor of shape [N] per named feature. The response has a `label` tensor (BYTES, [N])
and a `probabilities` tensor (FP64, [N, K]); its parameters carry each row's request
id, model version and reason, comma-separated in row order (v2 parameter values are
scalars; names and versions cannot contain commas)."""
from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from common.domain import Answer, Request, Role
from common.errors import PlatformError
from gateway.answers import answer_body
from gateway.schemas import MAX_FEATURES

# Numeric v2 datatypes a feature may arrive as, with their little-endian layout when
# sent as raw bytes (Triton's binary tensor extension, tritonclient's default).
NUMERIC = {"FP32": "<f4", "FP64": "<f8", "INT32": "<i4", "INT64": "<i8"}
LABEL, PROBABILITIES = "label", "probabilities"
OUTPUTS = ({"name": LABEL, "datatype": "BYTES", "shape": [-1]},
           {"name": PROBABILITIES, "datatype": "FP64", "shape": [-1, -1]})
SCHEMA_TYPES = {"float": "FP32", "double": "FP64", "int": "INT64", "integer": "INT64"}  # else FP64

Parameters = dict[str, str | int | float | bool]


class BadRequest(PlatformError):
    status_code = 400


class InputTensor(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    shape: list[int] = Field(min_length=1, max_length=2)
    datatype: str
    parameters: Parameters = {}
    data: list | None = None  # None when the values follow the JSON as raw bytes


class RequestedOutput(BaseModel):
    name: str
    parameters: Parameters = {}


class InferenceRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str | None = Field(None, max_length=256)
    parameters: Parameters = {}
    inputs: list[InputTensor] = Field(min_length=1, max_length=MAX_FEATURES)
    outputs: list[RequestedOutput] | None = None


def tensor_values(tensor: InputTensor, raw: bytes | None) -> np.ndarray:
    """The tensor's values as float64, shaped as declared: from `data`, or from `raw`
    bytes in the declared datatype's layout."""
    layout = NUMERIC.get(tensor.datatype)
    if layout is None:
        raise BadRequest(f"input {tensor.name!r}: datatype {tensor.datatype} is not one of {', '.join(NUMERIC)}")
    if any(d < 0 for d in tensor.shape):
        raise BadRequest(f"input {tensor.name!r}: shape {tensor.shape} has a negative dimension")
    if raw is not None:
        if len(raw) != math.prod(tensor.shape) * np.dtype(layout).itemsize:
            raise BadRequest(f"input {tensor.name!r}: {len(raw)} bytes do not make a {tensor.datatype} "
                             f"tensor of shape {tensor.shape}")
        values = np.frombuffer(raw, dtype=layout).astype(np.float64)
    else:
        values = _from_json(tensor)
    if values.size != math.prod(tensor.shape):
        raise BadRequest(f"input {tensor.name!r}: {values.size} values do not fill shape {tensor.shape}")
    if not np.isfinite(values).all():
        raise BadRequest(f"input {tensor.name!r}: values must be finite numbers")
    return values.reshape(tensor.shape)


def _from_json(tensor: InputTensor) -> np.ndarray:
    if tensor.data is None:
        raise BadRequest(f"input {tensor.name!r} has no data")
    try:
        values = np.asarray(tensor.data)
    except ValueError:  # ragged nesting
        raise BadRequest(f"input {tensor.name!r}: data is not a regular array") from None
    if values.size and values.dtype.kind not in "iuf":  # strings and booleans are not features
        raise BadRequest(f"input {tensor.name!r}: data must be numbers")
    return values.astype(np.float64).reshape(-1)


def records(inputs: list[tuple[InputTensor, np.ndarray]], schema: tuple[str, ...] | None
            ) -> list[list[float] | dict[str, float]]:
    """One record per row: positional values from a single [N, features] tensor, or
    values by name from one [N] (or [N, 1]) tensor per feature."""
    names = set(schema or ())
    if len(inputs) == 1 and inputs[0][0].name not in names:
        tensor, values = inputs[0]
        rows = values.reshape(1, -1) if values.ndim == 1 else values
        if rows.shape[0] == 0 or not 1 <= rows.shape[1] <= MAX_FEATURES:
            raise BadRequest(f"input {tensor.name!r}: shape {tensor.shape} needs 1 to {MAX_FEATURES} features a row")
        return rows.tolist()
    columns: dict[str, list[float]] = {}
    for tensor, values in inputs:
        if values.ndim == 2 and values.shape[1] != 1:
            raise BadRequest(f"input {tensor.name!r}: a named feature has shape [N] or [N, 1], not {tensor.shape}")
        if tensor.name in columns:
            raise BadRequest(f"input {tensor.name!r} appears twice")
        columns[tensor.name] = values.reshape(-1).tolist()
    counts = {len(column) for column in columns.values()}
    if len(counts) != 1 or 0 in counts:
        raise BadRequest(f"named inputs must have the same number of rows, at least one; got {sorted(counts)}")
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def infer_response(data_type: str, request_id: str | None, rows: list[tuple[Request, Answer | None]],
                   wanted: list[RequestedOutput] | None) -> tuple[int, dict]:
    """The v2 response for the rows' official answers, or the first failed row's status
    with a v2 error body: a row without an output fails the call, since a tensor has no
    way to say that one of its rows is missing."""
    for index, (request, answer) in enumerate(rows):
        status, body = answer_body(request, answer, 0.0)
        if status != 200:
            errors = "".join(f"; {e['model']['name']}:{e['model']['version']}: {e['error']}"
                             for e in body.get("errored", ()))
            return status, {"error": f"row {index} (request {request.request_id}): {body['error']}{errors}"}
    answers = [answer for _, answer in rows]
    widths = {len(a.output.values) for a in answers}
    if len(widths) != 1:
        return 500, {"error": f"the rows' models gave outputs of different widths {sorted(widths)}"}
    tensors = {LABEL: {"name": LABEL, "datatype": "BYTES", "shape": [len(answers)],
                       "data": [a.output.label for a in answers]},
               PROBABILITIES: {"name": PROBABILITIES, "datatype": "FP64", "shape": [len(answers), widths.pop()],
                               "data": [v for a in answers for v in a.output.values]}}
    names = [o.name for o in wanted] if wanted else list(tensors)
    unknown = [n for n in names if n not in tensors]
    if unknown:
        return 400, {"error": f"unknown outputs {unknown}; this model has {list(tensors)}"}
    models = {a.model for a in answers}
    body: dict = {"model_name": data_type}
    if len(models) == 1:  # one model version answered every row: the response is its
        model = models.pop()
        body["model_name"], body["model_version"] = model.name, model.version
    if request_id is not None:
        body["id"] = request_id
    body["parameters"] = {"request_ids": ",".join(r.request_id for r, _ in rows),
                          "model_versions": ",".join(str(a.model) for a in answers),
                          "reasons": ",".join(a.reason.value for a in answers)}
    body["outputs"] = [tensors[n] for n in names]
    return 200, body


def model_metadata(data_type: str, models: list[dict], schema: tuple[str, ...] | None) -> dict | None:
    """The data type as a v2 model: its features as inputs (or one [N, features] input
    when its models publish no common schema), the two outputs, and its live versions.
    None when no live model serves the data type."""
    live = [m for m in models if m.get("data_type") == data_type and m.get("role") != Role.RETIRED.value]
    if not live:
        return None
    types = {f["name"]: f.get("type", "") for m in live for f in m.get("input_schema") or ()}
    if schema:
        inputs = [{"name": n, "datatype": SCHEMA_TYPES.get(types.get(n, ""), "FP64"), "shape": [-1]} for n in schema]
    else:
        inputs = [{"name": "input", "datatype": "FP64", "shape": [-1, -1]}]
    return {"name": data_type, "versions": [f"{m['name']}:{m['version']}" for m in live],
            "platform": "rendezvous", "inputs": inputs, "outputs": list(OUTPUTS)}
