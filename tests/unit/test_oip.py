"""The Open Inference Protocol v2 mapping: tensors in (JSON or raw bytes), one record
per row, the rows' official answers out as v2 tensors, and the protocol's error body.
Over HTTP the app runs without its lifespan: a stand-in rendezvous answers each request
it is sent (the e2e tests run the real one), and every response is checked against the
protocol's schema."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import jsonschema
import numpy as np
import pytest

from common import codec
from common.domain import Answer, ModelError, ModelRef, Output, Reason, Request, Features, ReturnAddress
from common.settings import InfraSettings
from gateway import oip
from gateway.adapter import create_app
from gateway.core import PredictService
from gateway.settings import GatewaySettings

pytestmark = pytest.mark.timeout(30)
IRIS = ("sepal_length", "sepal_width", "petal_length", "petal_width")
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs/oip/v2-rest.schema.json").read_text())
FOREST, LOGREG = ModelRef("iris-forest", "1"), ModelRef("iris-logreg", "1")


def conforms(body: dict, definition: str) -> dict:
    jsonschema.validate(body, {**SCHEMA, "$ref": f"#/$defs/{definition}"})
    return body


def tensor(name="input", shape=(1, 4), datatype="FP64", data=None, **parameters) -> oip.InputTensor:
    return oip.InputTensor(name=name, shape=list(shape), datatype=datatype, data=data, parameters=parameters)


# Tensors to records --------------------------------------------------------------------
@pytest.mark.parametrize("given, raw, expected", [
    (tensor(data=[1, 2, 3, 4]), None, [[1.0, 2.0, 3.0, 4.0]]),
    (tensor(shape=(2, 2), data=[[1, 2], [3, 4]]), None, [[1.0, 2.0], [3.0, 4.0]]),
    (tensor(shape=(2, 2), datatype="FP32"), np.array([1, 2, 3, 4], "<f4").tobytes(), [[1.0, 2.0], [3.0, 4.0]]),
    (tensor(shape=(1, 2), datatype="INT64"), np.array([7, 8], "<i8").tobytes(), [[7.0, 8.0]]),
], ids=["flat-json", "nested-json", "binary-fp32", "binary-int64"])
def test_a_matrix_gives_one_record_per_row(given, raw, expected):
    assert oip.records([(given, oip.tensor_values(given, raw))], IRIS) == expected


@pytest.mark.parametrize("given, raw, error", [
    (tensor(datatype="BYTES", data=["a"]), None, "datatype BYTES is not one of FP32, FP64, INT32, INT64"),
    (tensor(data=[1, 2, 3]), None, "3 values do not fill shape [1, 4]"),
    (tensor(data=[1, 2, 3, float("nan")]), None, "values must be finite numbers"),
    (tensor(data=["1", "2", "3", "4"]), None, "data must be numbers"),
    (tensor(data=[[1, 2], [3]]), None, "data is not a regular array"),
    (tensor(), None, "has no data"),
    (tensor(datatype="FP32"), b"\0" * 15, "15 bytes do not make a FP32 tensor of shape [1, 4]"),
    (tensor(shape=(-1, 4), data=[1, 2, 3, 4]), None, "has a negative dimension"),
], ids=["bytes", "short", "nan", "strings", "ragged", "no-data", "short-binary", "negative-shape"])
def test_a_bad_tensor_is_400_saying_what_is_wrong(given, raw, error):
    with pytest.raises(oip.BadRequest) as raised:
        oip.tensor_values(given, raw)
    assert raised.value.status_code == 400 and error in raised.value.message


def test_one_tensor_per_feature_gives_named_records():
    given = [(tensor(n, (2,), data=[i, i + 10]), None) for i, n in enumerate(IRIS)]
    named = oip.records([(t, oip.tensor_values(t, raw)) for t, raw in given], IRIS)
    assert named == [dict(zip(IRIS, (0.0, 1.0, 2.0, 3.0))), dict(zip(IRIS, (10.0, 11.0, 12.0, 13.0)))]


@pytest.mark.parametrize("columns, error", [
    ({"sepal_length": (2,), "sepal_width": (3,)}, "the same number of rows"),
    ({"sepal_length": (2, 2), "sepal_width": (2, 2)}, "a named feature has shape [N] or [N, 1]"),
])
def test_named_features_must_line_up(columns, error):
    given = [(tensor(n, s), np.zeros(s)) for n, s in columns.items()]
    with pytest.raises(oip.BadRequest, match=error.replace("[", r"\[").replace("]", r"\]")):
        oip.records(given, IRIS)


# Answers to a response ------------------------------------------------------------------
def request(rid: str) -> Request:
    return Request(rid, "iris", Features((1.0,)), ReturnAddress("replies.x", rid), 0)


def answered(rid: str, model=FOREST, reason=Reason.PREFERRED, label="0", values=(0.9, 0.1, 0.0)) -> Answer:
    return Answer(rid, rid, "iris", "deadline", reason, Output(label, values), model)


def test_one_row_is_tagged_with_the_model_version_that_answered():
    status, body = oip.infer_response("iris", "call-1", [(request("r1"), answered("r1"))], None)
    assert status == 200 and conforms(body, "inference_response")
    assert (body["model_name"], body["model_version"], body["id"]) == ("iris-forest", "1", "call-1")
    assert body["outputs"] == [{"name": "label", "datatype": "BYTES", "shape": [1], "data": ["0"]},
                               {"name": "probabilities", "datatype": "FP64", "shape": [1, 3], "data": [0.9, 0.1, 0.0]}]
    assert body["parameters"] == {"request_ids": "r1", "model_versions": "iris-forest:1", "reasons": "preferred"}


def test_rows_answered_by_different_versions_each_say_which():
    rows = [(request("r1"), answered("r1")), (request("r2"), answered("r2", LOGREG, Reason.BACKSTOP, "2"))]
    status, body = oip.infer_response("iris", None, rows, [oip.RequestedOutput(name="label")])
    assert status == 200 and conforms(body, "inference_response")
    assert body["model_name"] == "iris" and "model_version" not in body and "id" not in body
    assert body["outputs"] == [{"name": "label", "datatype": "BYTES", "shape": [2], "data": ["0", "2"]}]
    assert body["parameters"] == {"request_ids": "r1,r2", "model_versions": "iris-forest:1,iris-logreg:1",
                                  "reasons": "preferred,backstop"}


@pytest.mark.parametrize("second, status, error", [
    (None, 504, "row 1 (request r2): no answer by the deadline"),
    (Answer("r2", "r2", "iris", "deadline", Reason.TIMEOUT), 504, "row 1 (request r2): no model answered by the deadline"),
    (Answer("r2", "r2", "iris", "deadline", Reason.ERROR, errored=(ModelError(FOREST, "boom"),)), 502,
     "row 1 (request r2): every model answered with an error; iris-forest:1: boom"),
], ids=["no-answer", "timeout-answer", "every-model-errored"])
def test_a_row_without_an_output_fails_the_call(second, status, error):
    rows = [(request("r1"), answered("r1")), (request("r2"), second)]
    code, body = oip.infer_response("iris", None, rows, None)
    assert (code, conforms(body, "error_response")["error"]) == (status, error)


def test_an_unknown_requested_output_is_400():
    code, body = oip.infer_response("iris", None, [(request("r1"), answered("r1"))], [oip.RequestedOutput(name="x")])
    assert code == 400 and "unknown outputs ['x']" in conforms(body, "error_response")["error"]


def test_metadata_lists_the_features_and_the_live_versions():
    models = [{"name": n, "version": "1", "data_type": "iris", "role": role,
               "input_schema": [{"name": f, "type": "float"} for f in IRIS]}
              for n, role in (("iris-forest", "serve"), ("iris-logreg", "backstop"), ("old", "retired"))]
    metadata = conforms(oip.model_metadata("iris", models, IRIS), "metadata_model_response")
    assert metadata["versions"] == ["iris-forest:1", "iris-logreg:1"]
    assert metadata["inputs"] == [{"name": f, "datatype": "FP32", "shape": [-1]} for f in IRIS]
    assert oip.model_metadata("tulips", models, None) is None


# Over HTTP, with a stand-in rendezvous ---------------------------------------------------
class AnsweringProducer:
    """Answers every request it is sent as the rendezvous would: iris-forest wins."""

    def __init__(self):
        self.service: PredictService | None = None
        self.sent: list[Request] = []

    def produce_batch(self, topic, messages, on_delivery=None, callbacks=None, partition=None):
        requests = [codec.decode_request(payload) for _, payload in messages]
        self.sent.extend(requests)
        label = {True: "named", False: "values"}
        answers = [answered(r.request_id, label=label[bool(r.input.named)]) for r in requests]
        asyncio.get_running_loop().call_soon(self.service.deliver, answers)


@pytest.fixture
def gateway():
    settings = GatewaySettings(grace_ms=0)
    app = create_app(InfraSettings(), settings)
    producer = AnsweringProducer()
    producer.service = PredictService(settings, producer, "replies.test")
    producer.service.known_data_types, producer.service.input_schemas = {"iris": True}, {"iris": IRIS}
    app.state.service = producer.service  # what the lifespan and the readiness refresh would set
    return app, producer


def call(app, method, path, **kwargs) -> httpx.Response:
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
            return await client.request(method, path, **kwargs)
    return asyncio.run(go())


def test_each_row_is_one_request_through_the_rendezvous(gateway):
    app, producer = gateway
    body = {"id": "42", "inputs": [{"name": "input", "shape": [3, 4], "datatype": "FP32", "data": list(range(12))}]}
    response = call(app, "POST", "/v2/models/iris/infer", json=body)
    assert response.status_code == 200, response.text
    result = conforms(response.json(), "inference_response")
    assert [r.input.values for r in producer.sent] == [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10, 11)]
    assert result["parameters"]["request_ids"].split(",") == [r.request_id for r in producer.sent]
    assert result["outputs"][0]["data"] == ["values"] * 3 and result["id"] == "42"


def test_the_binary_tensor_extension_is_read(gateway):
    app, producer = gateway
    raw = np.array([[5.1, 3.5, 1.4, 0.2]], "<f4").tobytes()
    header = json.dumps({"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32",
                                     "parameters": {"binary_data_size": len(raw)}}]}).encode()
    response = call(app, "POST", "/v2/models/iris/infer", content=header + raw,
                    headers={"Inference-Header-Content-Length": str(len(header))})
    assert response.status_code == 200, response.text
    assert producer.sent[0].input.values == pytest.approx((5.1, 3.5, 1.4, 0.2), rel=1e-6)


@pytest.mark.parametrize("path, body, status, error", [
    ("/v2/models/tulips/infer", {"inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}]}, 404,
     "unknown model (data type) 'tulips'"),
    ("/v2/models/iris/infer", {"inputs": []}, 400, "invalid inference request"),
    ("/v2/models/iris/infer", {"inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP64",
                                           "data": [1, 2, 3]}]}, 422, "iris expects 4 features"),
    ("/v2/models/iris/infer", {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64",
                                           "data": [1, 2, 3, 4]}], "parameters": {"deadline_ms": "soon"}}, 400,
     "deadline_ms must be an integer"),
    ("/v2/models/iris/versions/1/infer", {}, 400, "picks the model version of each answer"),
], ids=["unknown-data-type", "no-inputs", "wrong-width", "bad-deadline", "version-in-path"])
def test_errors_use_the_protocol_error_body(gateway, path, body, status, error):
    app, producer = gateway
    response = call(app, "POST", path, json=body)
    assert response.status_code == status and error in conforms(response.json(), "error_response")["error"]
    assert producer.sent == []


def test_model_ready_and_live(gateway):
    app, _ = gateway
    assert conforms(call(app, "GET", "/v2/models/iris/ready").json(), "ready_model_response")["ready"] is True
    assert call(app, "GET", "/v2/models/tulips/ready").status_code == 404
    assert conforms(call(app, "GET", "/v2/health/live").json(), "live_server_response") == {"live": True}
    assert conforms(call(app, "GET", "/v2").json(), "metadata_server_response")["extensions"] == []


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_openapi_spec_shows_the_inference_request_with_no_dangling_reference(gateway):
    app, _ = gateway
    body = app.openapi()["paths"]["/v2/models/{data_type}/infer"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["properties"]["inputs"]["items"]["properties"]["datatype"] == {"title": "Datatype", "type": "string"}
    assert "#/$defs/" not in json.dumps(app.openapi())
