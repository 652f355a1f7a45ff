"""Every /v2 response of the running gateway, answers and errors alike, conforms to the
Open Inference Protocol's JSON schema (docs/oip/v2-rest.schema.json), and every output
tensor's data fills its shape."""
from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import jsonschema
import pytest

from stack.demo import FEATURES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/oip/v2-rest.schema.json").read_text())
SETOSA, VIRGINICA = [5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]


def matrix(rows, datatype="FP32", **extra) -> dict:
    return {"inputs": [{"name": "input", "shape": [len(rows), len(rows[0])], "datatype": datatype,
                        "data": [v for row in rows for v in row]}], **extra}


NAMED = {"id": "named-1", "inputs": [{"name": f, "shape": [2], "datatype": "FP64", "data": list(pair)}
                                     for f, pair in zip(FEATURES, zip(SETOSA, VIRGINICA))]}
CALLS = [
    ("GET", "/v2/health/live", None, 200, "live_server_response"),
    ("GET", "/v2/health/ready", None, 200, "ready_server_response"),
    ("GET", "/v2", None, 200, "metadata_server_response"),
    ("GET", "/v2/models/iris", None, 200, "metadata_model_response"),
    ("GET", "/v2/models/tulips", None, 404, "error_response"),
    ("GET", "/v2/models/iris/ready", None, 200, "ready_model_response"),
    ("GET", "/v2/models/tulips/ready", None, 404, "error_response"),
    ("GET", "/v2/models/iris/versions/1", None, 400, "error_response"),
    ("POST", "/v2/models/iris/infer", matrix([SETOSA]), 200, "inference_response"),
    ("POST", "/v2/models/iris/infer", matrix([SETOSA, VIRGINICA], "FP64", id="two-rows"), 200, "inference_response"),
    ("POST", "/v2/models/iris/infer", NAMED, 200, "inference_response"),
    ("POST", "/v2/models/iris/infer", matrix([SETOSA], outputs=[{"name": "probabilities"}]), 200,
     "inference_response"),
    ("POST", "/v2/models/iris/infer", matrix([SETOSA], outputs=[{"name": "logits"}]), 400, "error_response"),
    ("POST", "/v2/models/iris/infer", matrix([SETOSA[:3]]), 422, "error_response"),
    ("POST", "/v2/models/iris/infer", matrix([SETOSA], "INT8"), 400, "error_response"),
    ("POST", "/v2/models/iris/infer", {"inputs": []}, 400, "error_response"),
    ("POST", "/v2/models/iris/infer", b"{not json", 400, "error_response"),
    ("POST", "/v2/models/tulips/infer", matrix([SETOSA]), 404, "error_response"),
    ("POST", "/v2/models/iris/versions/1/infer", matrix([SETOSA]), 400, "error_response"),
]


@pytest.mark.parametrize("method, path, body, status, definition", CALLS,
                         ids=[f"{m} {p} {s}" + (f" #{i}" if m == "POST" else "") for i, (m, p, _, s, _) in
                              enumerate(CALLS)])
def test_every_response_conforms_to_the_protocol(platform, method, path, body, status, definition):
    if isinstance(body, dict):  # the test's own requests are valid v2 requests
        jsonschema.validate(body, {**SCHEMA, "$ref": "#/$defs/inference_request"})
    content = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else None
    response = httpx.request(method, f"{platform.url}{path}", content=content, timeout=30,
                             headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    jsonschema.validate(response.json(), {**SCHEMA, "$ref": f"#/$defs/{definition}"})
    for output in response.json()["outputs"] if definition == "inference_response" else ():
        assert len(output["data"]) == math.prod(output["shape"])
